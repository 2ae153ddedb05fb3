using Grains.Interfaces.Delegations;
using Microsoft.Extensions.Logging;

namespace Grains.Delegations;

/// <summary>
/// The silo's confirmations waiting for their delegation link: a deal whose change is written leaves its deal id here
/// instead of calling the link it named. The next reservation this silo makes on that link carries them
/// (<see cref="IDelegationGrain.Reserve"/>), so under load a confirmation costs no message of its own; when none comes
/// within <see cref="DelegationGrain.ConfirmationLinger"/> they go as one one-way <see cref="IDelegationGrain.Confirm"/>.
/// Nobody waits for them: a confirmation only ends a hold that already counts, and one that never arrives (a lost
/// message, a lost silo) lets the hold lapse to the ledger (<see cref="DelegationGrain.HoldTimeout"/>).
/// </summary>
public sealed class DelegationConfirmations(IGrainFactory grains, ILogger<DelegationConfirmations> logger)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, List<string>> waiting = new(StringComparer.Ordinal);

    /// <summary>Leaves <paramref name="dealId"/>'s confirmation for the link <paramref name="linkKey"/> (its grain key).</summary>
    public void Add(string linkKey, string dealId)
    {
        bool first;
        lock (gate)
        {
            first = !waiting.TryGetValue(linkKey, out var ids);
            if (first)
            {
                waiting[linkKey] = ids = [];
            }
            ids!.Add(dealId);
        }
        if (first)
        {
            // Off the calling deal's activation: the send is nobody's turn.
            _ = Task.Run(() => SendLater(linkKey));
        }
    }

    /// <summary>The confirmations waiting for <paramref name="linkKey"/>, handed over once (to a reservation or to a send).</summary>
    public IReadOnlyList<string> Take(string linkKey)
    {
        lock (gate)
        {
            return waiting.Remove(linkKey, out var ids) ? ids : [];
        }
    }

    private async Task SendLater(string linkKey)
    {
        await Task.Delay(DelegationGrain.ConfirmationLinger, CancellationToken.None);
        var ids = Take(linkKey);
        if (ids.Count == 0)
        {
            return; // a reservation took them along
        }
        try
        {
            await grains.GetGrain<IDelegationGrain>(linkKey).Confirm(ids);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Confirming {Count} holds to {Delegation} failed; they lapse and the ledger decides them", ids.Count, linkKey);
        }
    }
}
