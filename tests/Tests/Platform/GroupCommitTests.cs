using Grains.Platform;

namespace Tests.Platform;

/// <summary>The batching behind every group-committed write (<see cref="GroupCommit{TItem, TResult}"/>).</summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task A_lone_item_is_flushed_at_once_and_items_arriving_meanwhile_share_the_next_flush_in_order()
    {
        var flushes = new List<int[]>();
        var firstFlushStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstFlushHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var commit = new GroupCommit<int, string>(async (items, _) =>
        {
            lock (flushes)
            {
                flushes.Add([.. items]);
            }
            if (items[0] == 0)
            {
                firstFlushStarted.SetResult();
                await firstFlushHeld.Task;
            }
            return [.. items.Select(i => $"r{i}")];
        }, maxItemsPerFlush: 4);

        var first = commit.SubmitAsync(0);
        await firstFlushStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var later = Enumerable.Range(1, 6).Select(commit.SubmitAsync).ToArray();
        Assert.DoesNotContain(later, t => t.IsCompleted);
        firstFlushHeld.SetResult();

        Assert.Equal("r0", await first);
        Assert.Equal(["r1", "r2", "r3", "r4", "r5", "r6"], await Task.WhenAll(later));
        Assert.Equal([[0], [1, 2, 3, 4], [5, 6]], flushes);
    }

    [Fact]
    public async Task A_failed_flush_faults_every_item_of_that_batch_and_the_next_batch_still_runs()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var commit = new GroupCommit<int, int>(async (items, _) =>
        {
            if (items[0] == 0)
            {
                started.SetResult();
                await hold.Task;
                return [0];
            }
            if (items.Contains(13))
            {
                throw new InvalidOperationException("database went away");
            }
            return [.. items];
        }, maxItemsPerFlush: 3);

        var first = commit.SubmitAsync(0);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var failing = new[] { commit.SubmitAsync(12), commit.SubmitAsync(13), commit.SubmitAsync(14) };
        var after = commit.SubmitAsync(20);
        hold.SetResult();

        Assert.Equal(0, await first);
        foreach (var task in failing)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => task);
            Assert.Equal("database went away", error.Message);
        }
        Assert.Equal(20, await after);
    }

    [Fact]
    public async Task A_flush_returning_the_wrong_number_of_results_faults_its_items_instead_of_misassigning_them()
    {
        var commit = new GroupCommit<int, int>((items, _) => Task.FromResult<IReadOnlyList<int>>([1, 2, 3]), maxItemsPerFlush: 10);
        await Assert.ThrowsAsync<InvalidOperationException>(() => commit.SubmitAsync(1));
    }
}
