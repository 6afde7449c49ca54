using MassTransit;

namespace Traceability.Data.Messaging;

/// <summary>
/// Gives a consumer's effects exactly once per message: the (message id, consumer) row is written
/// in the same transaction as the effects, so a redelivered message finds it and is acknowledged
/// without a second effect. Duplicates are counted on the row, for diagnosis and for tests.
/// </summary>
public sealed class Inbox(Database database)
{
    private readonly string _insert = MessagingSql.InsertInboxMessage(database.Dialect, database.Schema);
    private readonly string _countDuplicate = MessagingSql.CountInboxDuplicate(database.Schema);

    /// <summary>
    /// Runs <paramref name="effect"/> unless this consumer already handled the message; returns
    /// whether it ran. Effects may publish through the transaction's outbox.
    /// </summary>
    public Task<bool> ConsumeOnceAsync(ConsumeContext context, string consumer, Func<DataTransaction, Task> effect) =>
        ConsumeOnceAsync(context, consumer, [], effect);

    /// <summary>As above, taking <paramref name="locks"/> before anything else (see <see cref="TransactionLock"/>).</summary>
    public Task<bool> ConsumeOnceAsync(ConsumeContext context, string consumer, IReadOnlyList<TransactionLock> locks, Func<DataTransaction, Task> effect)
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException("A message without a MessageId cannot be deduplicated.");
        return ConsumeOnceAsync(messageId, consumer, context.ReceiveContext.Redelivered, locks, effect, context.CancellationToken);
    }

    /// <summary>
    /// As above, for a message id known without a consume context. The message shares its transaction
    /// with the messages being consumed at the same moment (group commit): its inbox row and effects
    /// still commit together, and a message that fails, fails alone (see <see cref="Database.InSharedTransactionAsync{T}(IReadOnlyList{ValueTuple{string, object}}, Func{DataTransaction, IReadOnlyList{int}, Task{T}}, CancellationToken)"/>).
    /// </summary>
    public Task<bool> ConsumeOnceAsync(Guid messageId, string consumer, bool redelivered, Func<DataTransaction, Task> effect, CancellationToken cancellationToken) =>
        ConsumeOnceAsync(messageId, consumer, redelivered, [], effect, cancellationToken);

    /// <summary>As above, taking <paramref name="locks"/> before anything else (see <see cref="TransactionLock"/>).</summary>
    public Task<bool> ConsumeOnceAsync(Guid messageId, string consumer, bool redelivered, IReadOnlyList<TransactionLock> locks, Func<DataTransaction, Task> effect,
        CancellationToken cancellationToken)
    {
        var arguments = new InboxRow(messageId, consumer, DateTime.UtcNow, redelivered);
        return database.InSharedTransactionAsync(locks, [(_insert, arguments)], async (data, inserted) =>
        {
            if (inserted[0] == 0)
            {
                data.Defer(_countDuplicate, arguments);
                return false;
            }
            await effect(data);
            return true;
        }, cancellationToken);
    }

    private sealed record InboxRow(Guid MessageId, string Consumer, DateTime ReceivedAt, bool Redelivered);
}
