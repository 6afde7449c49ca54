using System.Diagnostics;
using System.Text.Json;
using Dapper;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Traceability.Data.Messaging;

/// <summary>
/// Publishes committed outbox rows through MassTransit with publisher confirms and marks them
/// sent in the same transaction that claimed them. A crash between publish and mark re-publishes
/// the row with the same message id, which consumers' inboxes absorb. Rows are published with the
/// mandatory flag: a message no queue is bound for comes back from the broker, and its row stays
/// unsent and is tried again later (backing off) instead of being published into the void.
/// </summary>
public sealed partial class OutboxRelay(
    Database database,
    IBus bus,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    ILogger<OutboxRelay> logger,
    IOptions<OutboxPacking>? packing = null) : BackgroundService
{
    internal static readonly ActivitySource Activities = new("Traceability.Outbox");

    private readonly OutboxOptions _options = options.Value;
    private readonly OutboxPacking _packing = packing?.Value ?? new OutboxPacking();
    private readonly string _markSent = MessagingSql.MarkOutboxSent(database.Dialect, database.Schema);
    private readonly string _markSentAndCommit = MessagingSql.MarkOutboxSent(database.Dialect, database.Schema) + ";\nCOMMIT";
    private readonly string _markFailed = MessagingSql.MarkOutboxFailed(database.Schema);
    private readonly string _markReturned = MessagingSql.MarkOutboxReturned(database.Dialect, database.Schema);
    private readonly string _claim = MessagingSql.ClaimOutboxBatch(database.Dialect, database.Schema);
    private DateTime _nextCleanup = DateTime.UtcNow;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var relayed = await RelayBatchAsync(stoppingToken);
                failures = 0;
                if (relayed >= _options.BatchSize)
                {
                    continue;
                }
                await CleanUpWhenDueAsync(stoppingToken);
                if (await signal.WaitAsync(_options.PollInterval, stoppingToken) && _options.Linger > TimeSpan.Zero)
                {
                    // Commits come in bursts: a moment's wait lets one claim, one publish round and one mark carry many rows.
                    await Task.Delay(_options.Linger, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception exception)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, Math.Min(failures, 10))) * (0.5 + Random.Shared.NextDouble()));
                LogRelayFailed(exception, failures, delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Claims one batch, publishes it and marks it sent; returns how many rows were relayed.</summary>
    internal async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<OutboxRow>(
            new CommandDefinition(_claim, new { _options.BatchSize, Now = DateTime.UtcNow }, transaction, cancellationToken: cancellationToken))).AsList();
        if (rows.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return 0;
        }

        using var publishTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        publishTimeout.CancelAfter(_options.PublishTimeout);
        var readable = new List<(OutboxRow Row, object Message, Type Type)>(rows.Count);
        foreach (var row in rows)
        {
            if (!TryRead(row, out var message, out var type, out var error))
            {
                // A row that can never be published must not block the rows behind it.
                LogUnreadable(row.Sequence, row.MessageType, error);
                await connection.ExecuteAsync(new CommandDefinition(_markFailed,
                    new { FailedAt = DateTime.UtcNow, LastError = error, row.Sequence }, transaction, cancellationToken: cancellationToken));
                continue;
            }
            readable.Add((row, message, type));
        }

        // A type returned before is probed with one of its rows first: while it is still unroutable,
        // its other rows wait again unpublished (no broker round trip, no fault logged per message).
        var probes = readable.Where(r => r.Row.Attempts > 0).GroupBy(r => r.Type).Select(g => g.First()).ToList();
        var probed = await Task.WhenAll(probes.Select(p => PublishAsync(p.Row.MessageId, p.Row.TraceParent, p.Message, p.Type, publishTimeout.Token)));
        var unroutable = probes.Where((_, i) => !probed[i]).Select(p => p.Type).ToHashSet();
        var sent = probes.Where((_, i) => probed[i]).Select(p => p.Row.Sequence).ToList();
        var returned = probes.Where((_, i) => !probed[i]).Select(p => p.Row).ToList();

        var publishing = readable.Where(r => !probes.Contains(r)).ToList();
        returned.AddRange(publishing.Where(r => unroutable.Contains(r.Type)).Select(r => r.Row));
        publishing.RemoveAll(r => unroutable.Contains(r.Type));
        var sends = Packed(publishing);
        // Started in claim order on one bus: the channel keeps that order; the confirms are awaited together.
        var routed = await Task.WhenAll(sends.Select(m => PublishAsync(m.MessageId, m.Rows[0].TraceParent, m.Message, m.Type, publishTimeout.Token)));
        sent.AddRange(sends.Where((_, i) => routed[i]).SelectMany(m => m.Rows).Select(r => r.Sequence));
        returned.AddRange(sends.Where((_, i) => !routed[i]).SelectMany(m => m.Rows));
        if (sent.Count > 0 && returned.Count == 0 && database.Dialect.BatchesReadsAndCommit)
        {
            // The usual batch, everything routed: marked sent and committed in one round trip.
            await connection.ExecuteAsync(new CommandDefinition(_markSentAndCommit,
                new { SentAt = DateTime.UtcNow, Sequences = sent }, transaction, cancellationToken: cancellationToken));
            return rows.Count;
        }
        if (sent.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(_markSent,
                new { SentAt = DateTime.UtcNow, Sequences = sent }, transaction, cancellationToken: cancellationToken));
        }
        if (returned.Count > 0)
        {
            // Unroutable rows wait (doubling per attempt, up to UnroutableRetryMax) so that they neither
            // spin nor fill every batch ahead of the routable rows behind them.
            var attempts = returned.Max(row => row.Attempts) + 1;
            var delay = UnroutableDelay(attempts, _options.UnroutableRetryMax);
            await connection.ExecuteAsync(new CommandDefinition(_markReturned,
                new
                {
                    NextAttemptAt = DateTime.UtcNow + delay,
                    LastError = "Returned by the broker: no queue is bound for this message (has the topology step run?).",
                    Sequences = returned.Select(row => row.Sequence).ToList(),
                }, transaction, cancellationToken: cancellationToken));
            LogReturned(returned.Count, string.Join(", ", returned.Select(row => row.MessageType).Distinct()), attempts, delay.TotalSeconds);
        }
        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }

    // The broker messages for the claimed rows: one per row, except the rows of a packed type never returned yet, which go
    // as one batch message per type and tenant (see OutboxPacking), at the place of the group's first row.
    private List<BrokerMessage> Packed(List<(OutboxRow Row, object Message, Type Type)> rows) => rows
        .Select((r, i) => (Key: r.Row.Attempts == 0 && _options.Pack && _packing.Packs(r.Type) && r.Message is Contracts.IMessage m ? (r.Type.FullName, m.TenantId) : ((string?)null, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), r))
        .GroupBy(x => x.Key, x => x.r)
        .Select(g => g.ToList())
        .Select(g => g.Count == 1
            ? new BrokerMessage([g[0].Row], g[0].Message, g[0].Type, g[0].Row.MessageId)
            : Batch(g))
        .ToList();

    private BrokerMessage Batch(List<(OutboxRow Row, object Message, Type Type)> group)
    {
        var (batch, type) = _packing.Pack(group[0].Type, ((Contracts.IMessage)group[0].Message).TenantId, group.Select(r => r.Message).ToList());
        return new BrokerMessage(group.Select(r => r.Row).ToList(), batch, type, ((Contracts.IMessage)batch).EventId);
    }

    private sealed record BrokerMessage(IReadOnlyList<OutboxRow> Rows, object Message, Type Type, Guid MessageId);

    /// <summary>How long an unroutable row waits before its next attempt: 1 s, doubling, at most <paramref name="max"/>.</summary>
    internal static TimeSpan UnroutableDelay(int attempts, TimeSpan max) =>
        TimeSpan.FromSeconds(Math.Min(max.TotalSeconds, Math.Pow(2, Math.Min(attempts - 1, 30))));

    /// <summary>Publishes one message with the mandatory flag; false when the broker returned it as unroutable.</summary>
    private async Task<bool> PublishAsync(Guid messageId, string? traceParent, object message, Type type, CancellationToken cancellationToken)
    {
        using var activity = traceParent is { } parent && ActivityContext.TryParse(parent, null, out var context)
            ? Activities.StartActivity("outbox relay", ActivityKind.Producer, context)
            : null;
        try
        {
            await bus.Publish(message, type, publish =>
            {
                publish.MessageId = messageId;
                publish.Mandatory = true;
            }, cancellationToken);
            return true;
        }
        catch (MessageReturnedException)
        {
            return false;
        }
    }

    internal static bool TryRead(OutboxRow row, out object message, out Type type, out string error)
    {
        message = null!;
        type = Outbox.TypeOf(row.MessageType)!;
        if (type is null)
        {
            error = $"Unknown message type '{row.MessageType}'.";
            return false;
        }
        try
        {
            message = JsonSerializer.Deserialize(row.Body, type, Outbox.Json)!;
            error = "";
            return message is not null;
        }
        catch (JsonException exception)
        {
            error = exception.Message;
            return false;
        }
    }

    private async Task CleanUpWhenDueAsync(CancellationToken cancellationToken)
    {
        if (DateTime.UtcNow < _nextCleanup)
        {
            return;
        }
        _nextCleanup = DateTime.UtcNow + _options.CleanupInterval;
        await using var connection = await database.OpenAsync(cancellationToken);
        var outbox = await connection.ExecuteAsync(new CommandDefinition(MessagingSql.DeleteSentOutbox(database.Schema),
            new { Before = DateTime.UtcNow - _options.SentRetention }, cancellationToken: cancellationToken));
        var inbox = await connection.ExecuteAsync(new CommandDefinition(MessagingSql.DeleteOldInbox(database.Schema),
            new { Before = DateTime.UtcNow - _options.InboxRetention }, cancellationToken: cancellationToken));
        if (outbox + inbox > 0)
        {
            LogCleanedUp(outbox, inbox);
        }
    }

    internal sealed record OutboxRow(long Sequence, Guid MessageId, string MessageType, string Body, string? TraceParent, int Attempts = 0);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox relay failed ({Failures} in a row); retrying in {DelayMs:F0} ms")]
    private partial void LogRelayFailed(Exception exception, int failures, double delayMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox row {Sequence} of type {MessageType} cannot be published and is set aside: {Error}")]
    private partial void LogUnreadable(long sequence, string messageType, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} outbox rows ({MessageTypes}) were returned by the broker: no queue is bound for them; kept, attempt {Attempts}, next in {DelaySeconds:F0} s")]
    private partial void LogReturned(int count, string messageTypes, int attempts, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Outbox} delivered outbox rows and {Inbox} old inbox rows")]
    private partial void LogCleanedUp(int outbox, int inbox);
}
