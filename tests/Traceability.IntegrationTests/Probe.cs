using System.Diagnostics;

namespace Traceability.IntegrationTests;

/// <summary>Waits for an asynchronous effect by polling, bounded by a timeout: never a bare sleep.</summary>
internal static class Probe
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, TimeSpan? interval = null)
    {
        var clock = Stopwatch.StartNew();
        Exception? last = null;
        while (clock.Elapsed < timeout)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
                last = null;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or Npgsql.NpgsqlException)
            {
                last = exception;
            }
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(100));
        }
        Assert.Fail($"Timed out after {timeout.TotalSeconds:F0} s waiting until {what}.{(last is null ? "" : $" Last error: {last.Message}")}");
    }
}
