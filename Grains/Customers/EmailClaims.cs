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
    private async Task Claim(string partition, string ownerId, string emailIndex)
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

    /// <summary>A create's write: the email is claimed first, then held while the record is written.</summary>
    public async Task Creating(string partition, string ownerId, string emailIndex, Func<Task> write)
    {
        await Claim(partition, ownerId, emailIndex);
        await Holding([emailIndex], write);
    }

    /// <summary>An update's write: a changed email is claimed before it and the old one released after it.</summary>
    public async Task Changing(string partition, string ownerId, string fromIndex, string toIndex, Func<Task> write)
    {
        var moved = fromIndex != toIndex;
        if (moved)
        {
            await Claim(partition, ownerId, toIndex);
        }
        await Holding([fromIndex, toIndex], write);
        if (moved)
        {
            await Release(partition, ownerId, fromIndex);
        }
    }

    /// <summary>A delete's write: the email is held while the tombstone is written, then released.</summary>
    public async Task Removing(string partition, string ownerId, string emailIndex, Func<Task> write)
    {
        await Holding([emailIndex], write);
        await Release(partition, ownerId, emailIndex);
    }

    /// <summary>Runs a write while the given indexes count as held; on a failed write a claim stays (it heals itself).</summary>
    private async Task Holding(IEnumerable<string> emailIndexes, Func<Task> write)
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
    private async Task Release(string partition, string ownerId, string emailIndex)
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
