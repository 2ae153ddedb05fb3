using Grains.Interfaces.Contacts;
using Grains.Interfaces.Customers;

namespace Grains.Customers;

/// <summary>
/// Makes customer emails unique per tenant+environment: one grain per email, keyed <c>{partition}/{email blind
/// index}</c> (never the email itself), owned by at most one customer. The grain is single-threaded, so of many
/// concurrent claims exactly one wins. Silo-internal: only customer and contact grains call it.
/// </summary>
public interface IEmailReservationGrain : IGrainWithStringKey
{
    /// <summary>True when the email is now (or already was) this customer's; false when another customer holds it.</summary>
    Task<bool> Claim(string customerId);

    /// <summary>Frees the email if this customer owns it.</summary>
    Task Release(string customerId);

    /// <summary>The customer that really holds the email now, if any (a stale reservation answers null).</summary>
    Task<string?> Holder();
}

public sealed class EmailReservationGrain(
    [PersistentState("email-reservation")] IPersistentState<EmailReservationState> state,
    IGrainFactory grains) : Grain, IEmailReservationGrain
{
    public static string Key(string partition, string emailIndex) => $"{partition}/{emailIndex}";

    public async Task<bool> Claim(string customerId)
    {
        var owner = state.State.CustomerId;
        if (owner == customerId)
        {
            return true;
        }
        // A reservation can outlive its reason (a crash between the claim and the customer's write, or before a
        // release): it only blocks while its owner really holds the email, so stale ones heal on the next claim.
        if (owner is not null && await OwnerStillHolds(owner))
        {
            return false;
        }
        state.State.CustomerId = customerId;
        await state.WriteStateAsync();
        return true;
    }

    public async Task Release(string customerId)
    {
        if (state.State.CustomerId == customerId)
        {
            await state.ClearStateAsync();
        }
    }

    public async Task<string?> Holder() =>
        state.State.CustomerId is { } owner && await OwnerStillHolds(owner) ? owner : null;

    /// <summary>Customers and contacts reserve emails (in separate index spaces); the owner's id prefix names its grain.</summary>
    private Task<bool> OwnerStillHolds(string owner)
    {
        var key = this.GetPrimaryKeyString();
        var slash = key.LastIndexOf('/');
        var (partition, index) = (key[..slash], key[(slash + 1)..]);
        return owner.StartsWith(ContactKeys.IdPrefix + "_", StringComparison.Ordinal)
            ? grains.GetGrain<IContactGrain>(ContactKeys.Grain(partition, owner)).HoldsEmail(index)
            : grains.GetGrain<ICustomerGrain>(CustomerKeys.Grain(partition, owner)).HoldsEmail(index);
    }
}

[GenerateSerializer, Alias("customers.email-reservation-state")]
public sealed class EmailReservationState
{
    [Id(0)] public string? CustomerId { get; set; }
}
