namespace Traceability.Data.Messaging;

/// <summary>Wakes the outbox relay when a transaction with outgoing messages commits.</summary>
public sealed class OutboxSignal : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Says there is something to relay; cheap and safe to call often.</summary>
    public void Notify()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up is enough.
        }
    }

    /// <summary>Waits for a signal or the fallback poll interval, whichever comes first.</summary>
    public Task<bool> WaitAsync(TimeSpan pollInterval, CancellationToken cancellationToken) =>
        _wake.WaitAsync(pollInterval, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _wake.Dispose();
}
