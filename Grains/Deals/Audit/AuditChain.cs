using System.Globalization;
using Grains.Deals.Signing;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Platform;
using Grains.Platform;

namespace Grains.Deals.Audit;

/// <summary>
/// The document's hash chain (§16): <c>entry_hash = SHA256(entity_type + entity_id + action + changes_json +
/// snapshot_json + previous_hash + created_at)</c>. The document leaves open the genesis hash (we use 64 zeros) and
/// the timestamp text (we use UTC <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>, microseconds, which PostgreSQL keeps exactly).
/// Actor, actor type, id and partition are not in the formula, so the chain does not make them tamper-evident.
/// </summary>
public static class AuditChain
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    public const string Verified = "verified";

    public const string Tampered = "tampered";

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string Hash(string entityType, string entityId, string action, string changesJson, string snapshotJson,
        string previousHash, DateTimeOffset createdAt) =>
        CanonicalJson.Sha256Hex(string.Concat(entityType, entityId, action, changesJson, snapshotJson, previousHash,
            ToMicroseconds(createdAt).UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture)));

    /// <summary>The entry after <paramref name="previous"/> (the first of the entity when null), hashed and linked.</summary>
    public static AuditEntry Next(AuditEntry? previous, string partition, string entityType, string entityId, string action,
        string actor, string actorType, string changesJson, string snapshotJson, DateTimeOffset createdAt)
    {
        if (previous is not null &&
            (previous.Partition != partition || previous.EntityType != entityType || previous.EntityId != entityId))
        {
            throw new ArgumentException("The previous entry belongs to another entity's chain.", nameof(previous));
        }
        var at = ToMicroseconds(createdAt);
        var previousHash = previous?.EntryHash ?? GenesisHash;
        return new AuditEntry(ResourceIds.New("audit"), partition, entityType, entityId, (previous?.Sequence ?? 0) + 1, action, actor,
            actorType, changesJson, snapshotJson, previousHash, at,
            Hash(entityType, entityId, action, changesJson, snapshotJson, previousHash, at));
    }

    /// <summary>
    /// Checks a whole chain given in sequence order: sequences 1, 2, 3..., each entry linked to the previous entry's hash
    /// (the first to <see cref="GenesisHash"/>), each hash recomputed from its fields, all of one entity. The first entry
    /// that fails is reported: its id and the sequence number at which the chain breaks (its position). A chain cut short
    /// at its end still verifies; compare the count with what is expected.
    /// </summary>
    public static AuditVerification Verify(IReadOnlyList<AuditEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            var reason = Check(entry, i == 0 ? null : entries[i - 1], entries[0], i + 1);
            if (reason is not null)
            {
                // The position, not the entry's own number: an entry renumbered, missing or moved breaks the chain there.
                return new AuditVerification(Tampered, entries.Count, entry.Id, i + 1, reason);
            }
        }
        return new AuditVerification(Verified, entries.Count, null, null, null);
    }

    private static string? Check(AuditEntry entry, AuditEntry? previous, AuditEntry first, long expectedSequence)
    {
        if (entry.Partition != first.Partition || entry.EntityType != first.EntityType || entry.EntityId != first.EntityId)
        {
            return "entry belongs to another entity";
        }
        if (entry.Sequence != expectedSequence)
        {
            return $"sequence {entry.Sequence} where {expectedSequence} was expected (an entry is missing or out of order)";
        }
        if (!string.Equals(entry.PreviousHash, previous?.EntryHash ?? GenesisHash, StringComparison.Ordinal))
        {
            return previous is null ? "first entry does not start from the genesis hash" : "previous_hash does not match the previous entry";
        }
        var recomputed = Hash(entry.EntityType, entry.EntityId, entry.Action, entry.ChangesJson, entry.SnapshotJson, entry.PreviousHash,
            entry.CreatedAt);
        return string.Equals(recomputed, entry.EntryHash, StringComparison.Ordinal) ? null : "entry_hash does not match the entry's content";
    }

    /// <summary>PostgreSQL keeps microseconds; hashing and storing at that precision keeps the hash reproducible.</summary>
    public static DateTimeOffset ToMicroseconds(DateTimeOffset at)
    {
        var ticks = at.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }
}
