namespace Traceability.Data;

/// <summary>
/// Group commit: units of work that arrive while a transaction is running wait for it and then run
/// together, one after another, in the next transaction, which commits them all at once. One commit
/// (one WAL flush, one round trip) and one batch of held writes serve many requests or messages,
/// and each unit still commits atomically with everything it wrote.
/// </summary>
/// <remarks>
/// A unit's outcome is its own: when a shared transaction fails for good, every unit in it runs
/// again alone, so one bad request or poison message fails alone and the others commit. Units must
/// therefore touch only the database (as every transaction here must, since whole transactions are
/// retried), and must not start a shared transaction themselves: the one drain loop would wait for
/// itself. Used where many small units arrive at once: shipments, EPCIS captures, inbox consumers.
/// </remarks>
internal sealed class SharedTransactions(Database database, int maxUnits)
{
    private readonly Lock _gate = new();
    private readonly Queue<Unit> _queue = new();
    private bool _draining;

    public Task<T> RunAsync<T>(IReadOnlyList<TransactionLock> locks, IReadOnlyList<(string Sql, object Row)> first,
        Func<DataTransaction, IReadOnlyList<int>, Task<T>> work, CancellationToken cancellationToken)
    {
        if (maxUnits <= 1)
        {
            // Group commit off: every unit in its own transaction, as many at once as arrive.
            return database.InTransactionAsync(data => RunInAsync(data, locks, first, work), cancellationToken);
        }
        var unit = new Unit<T>(locks, first, work, cancellationToken);
        bool start;
        lock (_gate)
        {
            _queue.Enqueue(unit);
            start = !_draining;
            _draining = true;
        }
        if (start)
        {
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }
        return unit.Task;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            var group = new List<Unit>();
            lock (_gate)
            {
                while (group.Count < maxUnits && _queue.TryDequeue(out var unit))
                {
                    if (!unit.Cancelled())
                    {
                        group.Add(unit);
                    }
                }
                if (group.Count == 0)
                {
                    _draining = false;
                    return;
                }
            }
            if (group.Count == 1)
            {
                await group[0].RunAloneAsync(database);
                continue;
            }
            try
            {
                var results = await database.InTransactionAsync(async data =>
                {
                    // Every unit's locks (taken in key order before anything else is written, see TransactionLock) and first
                    // statements (e.g. its inbox row) in one round trip, then each unit's work in order.
                    data.Name(group.SelectMany(u => u.Locks));
                    var counts = await data.ExecuteBatchAsync(group.SelectMany(u => u.First).ToList());
                    var values = new object?[group.Count];
                    var offset = 0;
                    for (var i = 0; i < group.Count; i++)
                    {
                        values[i] = await group[i].WorkAsync(data, counts.Skip(offset).Take(group[i].First.Count).ToList());
                        offset += group[i].First.Count;
                    }
                    return values;
                }, CancellationToken.None);
                for (var i = 0; i < group.Count; i++)
                {
                    group[i].Complete(results[i]);
                }
            }
            catch (DatabaseUnavailableException unavailable)
            {
                // Nobody's fault, and running each unit alone would only wait out the retries again, one by one.
                foreach (var unit in group)
                {
                    unit.Fail(unavailable);
                }
            }
            catch (Exception)
            {
                // Whose fault it was is not known: each unit runs again alone and gets its own outcome.
                foreach (var unit in group)
                {
                    await unit.RunAloneAsync(database);
                }
            }
        }
    }

    // A unit alone in its transaction: its locks and its first statements in one round trip, then its work.
    private static async Task<T> RunInAsync<T>(DataTransaction data, IReadOnlyList<TransactionLock> locks, IReadOnlyList<(string Sql, object Row)> first,
        Func<DataTransaction, IReadOnlyList<int>, Task<T>> work)
    {
        data.Name(locks);
        return await work(data, await data.ExecuteBatchAsync(first));
    }

    private abstract class Unit(IReadOnlyList<TransactionLock> locks, IReadOnlyList<(string Sql, object Row)> first, CancellationToken cancellationToken)
    {
        public IReadOnlyList<TransactionLock> Locks { get; } = locks;

        public IReadOnlyList<(string Sql, object Row)> First { get; } = first;

        protected CancellationToken CancellationToken { get; } = cancellationToken;

        public abstract Task<object?> WorkAsync(DataTransaction data, IReadOnlyList<int> counts);

        public abstract void Complete(object? result);

        public abstract void Fail(Exception exception);

        public abstract bool Cancelled();

        public abstract Task RunAloneAsync(Database database);
    }

    private sealed class Unit<T>(IReadOnlyList<TransactionLock> locks, IReadOnlyList<(string Sql, object Row)> first,
        Func<DataTransaction, IReadOnlyList<int>, Task<T>> work, CancellationToken cancellationToken)
        : Unit(locks, first, cancellationToken)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // The caller's async-local state (its trace, whether it serves a request): the unit runs in it
        // although the drain loop that runs it was started by another caller.
        private readonly ExecutionContext? _context = ExecutionContext.Capture();

        public Task<T> Task => _done.Task;

        public override async Task<object?> WorkAsync(DataTransaction data, IReadOnlyList<int> counts) => await InContext(() => work(data, counts));

        private Task<TResult> InContext<TResult>(Func<Task<TResult>> run)
        {
            if (_context is null)
            {
                return run();
            }
            Task<TResult>? task = null;
            ExecutionContext.Run(_context, _ => task = run(), null);
            return task!;
        }

        public override void Complete(object? result) => _done.TrySetResult((T)result!);

        public override void Fail(Exception exception) => _done.TrySetException(exception);

        public override bool Cancelled()
        {
            if (!CancellationToken.IsCancellationRequested)
            {
                return false;
            }
            _done.TrySetCanceled(CancellationToken);
            return true;
        }

        public override async Task RunAloneAsync(Database database)
        {
            try
            {
                var result = await InContext(() => database.InTransactionAsync(data => RunInAsync(data, Locks, First, work), CancellationToken));
                _done.TrySetResult(result);
            }
            catch (OperationCanceledException) when (CancellationToken.IsCancellationRequested)
            {
                _done.TrySetCanceled(CancellationToken);
            }
            catch (Exception exception)
            {
                _done.TrySetException(exception);
            }
        }
    }
}
