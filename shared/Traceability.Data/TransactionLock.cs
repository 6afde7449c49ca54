namespace Traceability.Data;

/// <summary>
/// A lock a unit of work holds until its transaction ends, named by <see cref="Key"/>. Locks a unit names before it starts
/// (<see cref="Database.InSharedTransactionAsync{T}(IReadOnlyList{TransactionLock}, IReadOnlyList{ValueTuple{string, object}}, Func{DataTransaction, IReadOnlyList{int}, Task{T}}, CancellationToken)"/>)
/// are taken with those of every unit sharing its transaction, all at once, in the ordinal order of their keys, in the first
/// round trip that writes (the units' first statements, held writes, a read batched with them, or at the latest when a unit
/// asks for one of them): two transactions that need some of the same locks take them in the same order, so neither holds one
/// the other waits for while waiting for one the other holds (a deadlock). A key taken twice in a transaction is taken once.
/// </summary>
/// <param name="Key">The lock's name; the order locks are taken in.</param>
/// <param name="Statements">What takes it (run in order, in the transaction, in the first round trip).</param>
public sealed record TransactionLock(string Key, IReadOnlyList<(string Sql, object Row)> Statements)
{
    /// <summary>A named lock (<see cref="SqlDialect.LockForTransaction"/>), for transactions that must see each other's rows.</summary>
    public static TransactionLock Named(SqlDialect dialect, string name) => new(name, [(dialect.LockForTransaction, new LockRow(name))]);

    // The statement's parameter (@LockName).
    private sealed record LockRow(string LockName);
}
