using Grains.Deals.Audit;
using Grains.Deals.Signing;
using Grains.Interfaces.Deals;

namespace Tests.Deals;

public sealed class AuditChainTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 9, 10, 30, 0, TimeSpan.Zero);

    /// <summary>A deal's chain of <paramref name="count"/> entries, one a minute (plus sub-microsecond noise that is dropped).</summary>
    public static List<AuditEntry> Chain(int count, string partition = "ten_a:live", string dealId = "deal_0123456789abcdef01234567")
    {
        var entries = new List<AuditEntry>();
        for (var i = 1; i <= count; i++)
        {
            entries.Add(AuditChain.Next(entries.LastOrDefault(), partition, "deal", dealId, i == 1 ? "deal.created" : "deal.updated",
                "key_0123456789abcdef01234567", "api_key", $$"""{"step":{{i}}}""", $$"""{"id":"{{dealId}}","version":{{i}}}""",
                T0.AddMinutes(i).AddTicks(7)));
        }
        return entries;
    }

    [Fact]
    public void A_chain_of_five_verifies()
    {
        var chain = Chain(5);

        Assert.Equal(new AuditVerification("verified", 5, null, null, null), AuditChain.Verify(chain));
        Assert.Equal([1L, 2L, 3L, 4L, 5L], chain.Select(e => e.Sequence));
        Assert.Equal(AuditChain.GenesisHash, chain[0].PreviousHash);
        Assert.All(chain.Skip(1), (e, i) => Assert.Equal(chain[i].EntryHash, e.PreviousHash));
        Assert.All(chain, e => Assert.Matches("^audit_[0-9a-f]{24}$", e.Id));
        Assert.All(chain, e => Assert.Equal(0, e.CreatedAt.Ticks % TimeSpan.TicksPerMicrosecond));
        Assert.Equal(new AuditVerification("verified", 0, null, null, null), AuditChain.Verify([]));
    }

    [Fact]
    public void The_hash_is_the_documents_formula_over_the_fields()
    {
        var entry = Chain(1)[0];

        var expected = CanonicalJson.Sha256Hex("deal" + entry.EntityId + "deal.created" + entry.ChangesJson + entry.SnapshotJson +
            AuditChain.GenesisHash + "2026-03-09T10:31:00.000000Z");
        Assert.Equal(expected, entry.EntryHash);
        Assert.Matches("^[0-9a-f]{64}$", entry.EntryHash);
    }

    public static TheoryData<string> HashedFields => new()
    {
        "EntityType", "EntityId", "Action", "ChangesJson", "SnapshotJson", "PreviousHash", "CreatedAt", "EntryHash", "Sequence", "Partition",
    };

    [Theory]
    [MemberData(nameof(HashedFields))]
    public void Altering_a_field_of_entry_three_is_tampering_at_three(string field)
    {
        var chain = Chain(5);
        var e = chain[2];
        chain[2] = field switch
        {
            "EntityType" => e with { EntityType = "contract" },
            "EntityId" => e with { EntityId = "deal_ffffffffffffffffffffffff" },
            "Action" => e with { Action = "deal.deleted" },
            "ChangesJson" => e with { ChangesJson = """{"step":33}""" },
            "SnapshotJson" => e with { SnapshotJson = e.SnapshotJson + " " },
            "PreviousHash" => e with { PreviousHash = chain[0].EntryHash },
            "CreatedAt" => e with { CreatedAt = e.CreatedAt.AddMicroseconds(1) },
            "EntryHash" => e with { EntryHash = CanonicalJson.Sha256Hex("forged") },
            "Sequence" => e with { Sequence = 4 },
            "Partition" => e with { Partition = "ten_b:live" },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        var result = AuditChain.Verify(chain);

        Assert.Equal("tampered", result.Status);
        Assert.Equal(5, result.TotalEntries);
        Assert.Equal(3, result.FirstBrokenSequence);
        Assert.Equal(e.Id, result.FirstBrokenEntryId);
        Assert.False(string.IsNullOrEmpty(result.Reason));
    }

    [Fact]
    public void A_rewritten_entry_with_a_recomputed_hash_breaks_the_next_link()
    {
        var chain = Chain(5);
        var e = chain[2];
        var changes = """{"step":"rewritten"}""";
        chain[2] = e with
        {
            ChangesJson = changes,
            EntryHash = AuditChain.Hash(e.EntityType, e.EntityId, e.Action, changes, e.SnapshotJson, e.PreviousHash, e.CreatedAt),
        };

        var result = AuditChain.Verify(chain);

        Assert.Equal(("tampered", 4L, chain[3].Id), Outcome(result));
    }

    [Fact]
    public void Removing_or_reordering_entries_is_tampering()
    {
        var chain = Chain(5);

        var removed = chain.Where((_, i) => i != 2).ToList();
        Assert.Equal(("tampered", 3L, chain[3].Id), Outcome(AuditChain.Verify(removed)));

        var removedFirst = chain.Skip(1).ToList();
        Assert.Equal(("tampered", 1L, chain[1].Id), Outcome(AuditChain.Verify(removedFirst)));

        var swapped = new List<AuditEntry>(chain);
        (swapped[1], swapped[2]) = (swapped[2], swapped[1]);
        Assert.Equal(("tampered", 2L, chain[2].Id), Outcome(AuditChain.Verify(swapped)));

        // Renumbered to hide the swap: the links still give it away.
        var renumbered = swapped.Select((x, i) => x with { Sequence = i + 1 }).ToList();
        Assert.Equal(("tampered", 2L, chain[2].Id), Outcome(AuditChain.Verify(renumbered)));

        var spliced = Chain(5, dealId: "deal_ffffffffffffffffffffffff");
        var mixed = chain.Take(2).Concat(spliced.Skip(2)).ToList();
        Assert.Equal(("tampered", 3L, spliced[2].Id), Outcome(AuditChain.Verify(mixed)));
    }

    [Fact]
    public void Next_refuses_a_previous_entry_of_another_entity()
    {
        var first = Chain(1)[0];

        Assert.Throws<ArgumentException>(() => AuditChain.Next(first, first.Partition, "deal", "deal_ffffffffffffffffffffffff",
            "deal.updated", "a", "api_key", "{}", "{}", T0));
        Assert.Throws<ArgumentException>(() => AuditChain.Next(first, "ten_b:live", "deal", first.EntityId,
            "deal.updated", "a", "api_key", "{}", "{}", T0));
    }

    private static (string Status, long Sequence, string EntryId) Outcome(AuditVerification result) =>
        (result.Status, result.FirstBrokenSequence ?? 0, result.FirstBrokenEntryId ?? "");
}
