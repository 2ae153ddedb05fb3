namespace Tests.Infrastructure;

/// <summary>
/// Polls infrastructure (membership, reminder delivery, process start-up) until a condition holds.
/// Only for real distributed-system latency; business time is driven with FakeTimeProvider.
/// </summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T>> read, Func<T, bool> until, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            try
            {
                var value = await read();
                if (until(value))
                {
                    return value;
                }
                last = null;
            }
            catch (Exception ex)
            {
                last = ex;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout} waiting for {what}", last);
            }
            await Task.Delay(200);
        }
    }
}
