using Grains.Interfaces.Platform;
using Microsoft.Extensions.Logging;

namespace Grains.Customers;

/// <summary>
/// One record's side of email uniqueness (customers, contacts): claims and releases its email's
/// <see cref="EmailReservationGrain"/> and remembers the indexes it is claiming or giving up, which the reservation must
/// see as held until the record's write settles (or a concurrent create could take an email it may still end up with).
/// </summary>
public sealed class EmailClaims(IGrainFactory grains, ILogger logger, string what)
{
    private readonly HashSet<string> inFlight = new(StringComparer.Ordinal);

    public bool InFlight(string emailIndex) => inFlight.Contains(emailIndex);

    /// <summary>Claims the email for <paramref name="ownerId"/>; 409 <c>conflict.duplicate_email</c> when another record holds it.</summary>
    public async Task Claim(string partition, string ownerId, string emailIndex)
    {
        inFlight.Add(emailIndex);
        var claimed = false;
        try
        {
            claimed = await grains.GetGrain<IEmailReservationGrain>(EmailReservationGrain.Key(partition, emailIndex)).Claim(ownerId);
        }
        finally
        {
            if (!claimed)
            {
                inFlight.Remove(emailIndex);
            }
        }
        if (!claimed)
        {
            throw DomainException.Conflict("conflict.duplicate_email", $"A {what} with this email already exists",
                new ConflictingFieldDetails("email"));
        }
    }

    /// <summary>Runs a write while the given indexes count as held; on a failed write a claim stays (it heals itself).</summary>
    public async Task Holding(IEnumerable<string> emailIndexes, Func<Task> write)
    {
        var held = emailIndexes.ToList();
        held.ForEach(i => inFlight.Add(i));
        try
        {
            await write();
        }
        finally
        {
            held.ForEach(i => inFlight.Remove(i));
        }
    }

    /// <summary>Best effort: a reservation left behind is stale and heals on the next claim.</summary>
    public async Task Release(string partition, string ownerId, string emailIndex)
    {
        try
        {
            await grains.GetGrain<IEmailReservationGrain>(EmailReservationGrain.Key(partition, emailIndex)).Release(ownerId);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not release the email reservation of {Owner}; it heals on the next claim", ownerId);
        }
    }
}
