using MassTransit;
using Microsoft.Extensions.Options;
using Traceability.Data;
using Traceability.Grievances.Privacy;
using Traceability.Grievances.Sms;

namespace Traceability.Grievances.Features.SendSms;

internal static class SendSmsSql
{
    // Only one sender ever wins the claim, so one reply is handed to the provider at most once per attempt,
    // whichever instance or redelivery gets there.
    public const string Claim = """
        UPDATE grievances.outbound_message SET status = 'sending', attempts = attempts + 1, attempted_at = @Now, updated_at = @Now
        WHERE id = @Id AND status = 'queued' AND next_attempt_at <= @Now
        """;

    public const string ToSend = """
        SELECT o.id AS Id, o.gateway AS Gateway, o.gateway_number AS GatewayNumber, o.body_cipher AS BodyCipher, o.attempts AS Attempts,
               o.attempted_at AS AttemptedAt, s.phone_cipher AS PhoneCipher
        FROM grievances.outbound_message o JOIN grievances.sender s ON s.pseudonym = o.pseudonym
        WHERE o.id = @Id
        """;

    public const string Sent = """
        UPDATE grievances.outbound_message SET status = @Status, provider_message_id = @ProviderMessageId, error = @Error, updated_at = @Now
        WHERE id = @Id AND status = 'sending'
        """;

    public const string Retry = """
        UPDATE grievances.outbound_message SET status = 'queued', next_attempt_at = @NextAttemptAt, error = @Error, updated_at = @Now
        WHERE id = @Id AND status = 'sending'
        """;

    // Its next attempt time is when the provider is asked whether it took the message (where it can be asked).
    public const string Unknown = """
        UPDATE grievances.outbound_message SET status = 'unknown', next_attempt_at = @NextAttemptAt, error = @Error, updated_at = @Now
        WHERE id = @Id AND status = 'sending'
        """;

    public const string Due = """
        SELECT id FROM grievances.outbound_message WHERE status = 'queued' AND next_attempt_at <= @Now ORDER BY next_attempt_at
        OFFSET 0 ROWS FETCH NEXT 100 ROWS ONLY
        """;

    public const string DueLookups = """
        SELECT id FROM grievances.outbound_message WHERE status = 'unknown' AND gateway = @Gateway AND next_attempt_at <= @Now ORDER BY next_attempt_at
        OFFSET 0 ROWS FETCH NEXT 100 ROWS ONLY
        """;

    // A claim older than any provider call can take means its sender died mid-call: nobody knows whether the
    // provider took it, so it is not simply sent again (it could be sent twice) but set aside as unknown.
    public const string Abandoned = """
        UPDATE grievances.outbound_message SET status = 'unknown', next_attempt_at = @Now, error = 'The sender stopped while the provider was called.', updated_at = @Now
        WHERE status = 'sending' AND updated_at < @Before
        """;

    // One instance asks the provider at a time: the claim moves the next lookup on.
    public const string ClaimLookup = """
        UPDATE grievances.outbound_message SET next_attempt_at = @NextAttemptAt, updated_at = @Now
        WHERE id = @Id AND status = 'unknown' AND next_attempt_at <= @Now
        """;

    public const string ProviderIdTaken = """
        SELECT COUNT(*) FROM grievances.outbound_message WHERE gateway = @Gateway AND provider_message_id = @ProviderMessageId AND id <> @Id
        """;

    public const string Found = """
        UPDATE grievances.outbound_message SET status = @Status, provider_message_id = @ProviderMessageId, error = @Error, updated_at = @Now
        WHERE id = @Id AND status = 'unknown'
        """;

    public const string NotFound = """
        UPDATE grievances.outbound_message SET status = 'queued', next_attempt_at = @Now, error = NULL, updated_at = @Now
        WHERE id = @Id AND status = 'unknown'
        """;
}

/// <summary>
/// Sends one queued reply through its gateway: claims it (so one reply goes to a provider once per attempt,
/// whichever instance or redelivery gets there), calls the provider, records the provider's id. A provider
/// that surely did not take it (unreachable, 429, 503) leaves the reply queued with a later attempt time
/// (1 s, doubling, at most 5 min); <see cref="ReplyRetries"/> sends it then. A send whose answer was lost
/// is <c>unknown</c>: where the provider can be asked (Twilio), it is looked up after
/// <see cref="SmsOptions.ReconcileAfter"/> and sent again only if the provider never took it; elsewhere it
/// stays unknown, never sent twice.
/// </summary>
public sealed class SmsSender(Database database, PrivacyVault vault, IServiceProvider services, IOptions<SmsOptions> options, TimeProvider time,
    ILogger<SmsSender> logger)
{
    private sealed record Row(Guid Id, string Gateway, string GatewayNumber, string BodyCipher, int Attempts, DateTime? AttemptedAt, string PhoneCipher);

    /// <summary>The gateways that can be asked whether they took a message.</summary>
    public static readonly IReadOnlyList<string> LookupGateways = ["twilio"];

    /// <summary>Sends the reply if it is due and nobody else has it.</summary>
    public async Task SendAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var row = await database.InTransactionAsync(async data =>
            await data.ExecuteAsync(SendSmsSql.Claim, new { Id = id, Now = now }) == 1 ? await data.QuerySingleOrDefaultAsync<Row>(SendSmsSql.ToSend, new { Id = id }) : null,
            cancellationToken);
        if (row is null)
        {
            return;
        }
        var gateway = services.GetRequiredKeyedService<ISmsGateway>(row.Gateway);
        SendResult result;
        try
        {
            result = await gateway.SendAsync(Outgoing(row), cancellationToken);
        }
        catch (GatewayUnavailableException exception)
        {
            var wait = TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, Math.Min(row.Attempts - 1, 9))));
            logger.LogWarning("Reply {OutboundMessageId} not sent through {Gateway} ({Reason}); trying again in {Wait}", row.Id, row.Gateway, exception.Message, wait);
            await SetAsync(SendSmsSql.Retry, row.Id, exception.Message, time.GetUtcNow().UtcDateTime + wait);
            return;
        }
        catch (SendOutcomeUnknownException exception)
        {
            logger.LogWarning("Reply {OutboundMessageId} through {Gateway} is unknown ({Reason}); it is not sent again{Lookup}", row.Id, row.Gateway, exception.Message,
                gateway is IMessageLookup ? " unless the provider says it never took it" : "");
            await SetAsync(SendSmsSql.Unknown, row.Id, exception.Message, time.GetUtcNow().UtcDateTime + options.Value.ReconcileAfter);
            return;
        }
        await database.InTransactionAsync(data => data.ExecuteAsync(SendSmsSql.Sent, new
        {
            row.Id,
            Status = result.PermanentError is null ? (row.Gateway == "simulator" ? OutboundStatus.Delivered : OutboundStatus.Sent) : OutboundStatus.Failed,
            result.ProviderMessageId, Error = result.PermanentError, Now = time.GetUtcNow().UtcDateTime,
        }), CancellationToken.None);
    }

    /// <summary>
    /// Asks the provider whether it took an <c>unknown</c> reply: taken, it is sent (with the provider's id);
    /// not taken, it is queued and sent; the provider cannot say, it is asked again later.
    /// </summary>
    public async Task LookUpAsync(Guid id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var row = await database.InTransactionAsync(async data =>
            await data.ExecuteAsync(SendSmsSql.ClaimLookup, new { Id = id, Now = now, NextAttemptAt = now + options.Value.ReconcileAfter }) == 1
                ? await data.QuerySingleOrDefaultAsync<Row>(SendSmsSql.ToSend, new { Id = id }) : null,
            cancellationToken);
        if (row is null || services.GetRequiredKeyedService<ISmsGateway>(row.Gateway) is not IMessageLookup lookup)
        {
            return;
        }
        IReadOnlyList<ProviderMessage> found;
        try
        {
            found = await lookup.FindAsync(Outgoing(row), row.AttemptedAt ?? DateTime.MinValue, cancellationToken);
        }
        catch (Exception exception) when (exception is GatewayUnavailableException or HttpRequestException or System.Text.Json.JsonException or KeyNotFoundException
            or InvalidOperationException or FormatException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException
            && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Could not ask {Gateway} about reply {OutboundMessageId} ({Reason}); asking again later", row.Gateway, row.Id, exception.GetType().Name);
            return;
        }
        await database.InTransactionAsync(async data =>
        {
            // A message of the same text to the same number that another reply already owns is that reply's.
            foreach (var message in found)
            {
                if (await data.ExecuteScalarAsync<long>(SendSmsSql.ProviderIdTaken, new { row.Gateway, ProviderMessageId = message.Id, row.Id }) == 0)
                {
                    // Recorded as the provider's delivery report would have it: the list says how far the message got.
                    var status = DeliveryReports.StatusOf(message.Status);
                    logger.LogInformation("Reply {OutboundMessageId} was taken by {Gateway}: not sent again; it is {Status}", row.Id, row.Gateway, status);
                    return await data.ExecuteAsync(SendSmsSql.Found, new
                    {
                        row.Id, ProviderMessageId = message.Id, Status = status, Error = DeliveryReports.Trimmed(message.Error), Now = time.GetUtcNow().UtcDateTime,
                    });
                }
            }
            logger.LogInformation("Reply {OutboundMessageId} never reached {Gateway}: it is sent again", row.Id, row.Gateway);
            return await data.ExecuteAsync(SendSmsSql.NotFound, new { row.Id, Now = time.GetUtcNow().UtcDateTime });
        }, CancellationToken.None);
    }

    private OutgoingSms Outgoing(Row row) => new(row.Id, vault.Decrypt(row.PhoneCipher), row.GatewayNumber, vault.Decrypt(row.BodyCipher));

    private Task<int> SetAsync(string sql, Guid id, string error, DateTime nextAttemptAt) =>
        database.InTransactionAsync(data => data.ExecuteAsync(sql, new { Id = id, NextAttemptAt = nextAttemptAt, Error = error, Now = time.GetUtcNow().UtcDateTime }),
            CancellationToken.None);
}

/// <summary>Sends a queued reply as soon as its outbox row arrives.</summary>
public sealed class SmsReplyQueuedConsumer(SmsSender sender) : IConsumer<SmsReplyQueued>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<SmsReplyQueued> context) => sender.SendAsync(context.Message.OutboundMessageId, context.CancellationToken);
}

/// <summary>
/// Every second: claims abandoned by a dead process become unknown; unknown replies due a lookup are looked up;
/// replies whose provider was down and whose next attempt is due are sent.
/// </summary>
public sealed class ReplyRetries(Database database, SmsSender sender, IOptions<SmsOptions> options, IConfiguration configuration, TimeProvider time,
    ILogger<ReplyRetries> logger) : BackgroundService
{
    /// <summary>A live sender gives up on a provider within the resilience pipeline's total timeout: a claim older than that (and the lookup delay) is a dead sender's.</summary>
    private readonly TimeSpan _abandonedAfter =
        (configuration.GetSection("Sms:Resilience").Get<Microsoft.Extensions.Http.Resilience.HttpStandardResilienceOptions>()?.TotalRequestTimeout.Timeout
            ?? TimeSpan.FromSeconds(30)) + options.Value.ReconcileAfter;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                var now = time.GetUtcNow().UtcDateTime;
                await database.InTransactionAsync(data => data.ExecuteAsync(SendSmsSql.Abandoned, new { Now = now, Before = now - _abandonedAfter }), stoppingToken);
                foreach (var gateway in SmsSender.LookupGateways)
                {
                    foreach (var id in await database.QueryAsync<Guid>(SendSmsSql.DueLookups, new { Gateway = gateway, Now = now }, stoppingToken))
                    {
                        await sender.LookUpAsync(id, stoppingToken);
                    }
                }
                foreach (var id in await database.QueryAsync<Guid>(SendSmsSql.Due, new { Now = now }, stoppingToken))
                {
                    await sender.SendAsync(id, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning("Reply retries failed this round: {Error}", exception.GetType().Name);
            }
        }
    }
}
