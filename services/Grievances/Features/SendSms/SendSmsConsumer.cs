using MassTransit;
using Microsoft.Extensions.Options;
using Traceability.Data;
using Traceability.Grievances.Privacy;
using Traceability.Grievances.Sms;

namespace Traceability.Grievances.Features.SendSms;

internal static class SendSmsSql
{
    // Only one sender ever wins the claim, so one reply is handed to the provider at most once.
    public const string Claim = """
        UPDATE grievances.outbound_message SET status = 'sending', attempts = attempts + 1, updated_at = @Now
        WHERE id = @Id AND status = 'queued' AND next_attempt_at <= @Now
        """;

    public const string ToSend = """
        SELECT o.id AS Id, o.gateway AS Gateway, o.gateway_number AS GatewayNumber, o.body_cipher AS BodyCipher, o.attempts AS Attempts,
               s.phone_cipher AS PhoneCipher
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

    public const string Due = """
        SELECT id FROM grievances.outbound_message WHERE status = 'queued' AND next_attempt_at <= @Now ORDER BY next_attempt_at
        OFFSET 0 ROWS FETCH NEXT 100 ROWS ONLY
        """;

    // A claim older than any provider call can take means its sender died mid-call: we cannot know
    // whether the provider sent it, and sending again could send it twice, so it is set aside.
    public const string Abandoned = """
        UPDATE grievances.outbound_message SET status = 'unknown', updated_at = @Now WHERE status = 'sending' AND updated_at < @Before
        """;
}

/// <summary>
/// Sends one queued reply through its gateway: claims it (so one reply goes to a provider at most once,
/// whichever instance or redelivery gets there), calls the provider, records the provider's id. A
/// provider that is down leaves the reply queued with a later attempt time (1 s, doubling, at most
/// 5 min); <see cref="ReplyRetries"/> sends it then.
/// </summary>
public sealed class SmsSender(Database database, PrivacyVault vault, IServiceProvider services, TimeProvider time, ILogger<SmsSender> logger)
{
    private sealed record Row(Guid Id, string Gateway, string GatewayNumber, string BodyCipher, int Attempts, string PhoneCipher);

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
            result = await gateway.SendAsync(new OutgoingSms(row.Id, vault.Decrypt(row.PhoneCipher), row.GatewayNumber, vault.Decrypt(row.BodyCipher)), cancellationToken);
        }
        catch (GatewayUnavailableException exception)
        {
            var wait = TimeSpan.FromSeconds(Math.Min(300, Math.Pow(2, Math.Min(row.Attempts - 1, 9))));
            logger.LogWarning("Reply {OutboundMessageId} not sent through {Gateway} ({Reason}); trying again in {Wait}", row.Id, row.Gateway, exception.Message, wait);
            await database.InTransactionAsync(data => data.ExecuteAsync(SendSmsSql.Retry, new
            {
                row.Id, NextAttemptAt = time.GetUtcNow().UtcDateTime + wait, Error = exception.Message, Now = time.GetUtcNow().UtcDateTime,
            }), CancellationToken.None);
            return;
        }
        await database.InTransactionAsync(data => data.ExecuteAsync(SendSmsSql.Sent, new
        {
            row.Id,
            Status = result.PermanentError is null ? (row.Gateway == "simulator" ? OutboundStatus.Delivered : OutboundStatus.Sent) : OutboundStatus.Failed,
            result.ProviderMessageId, Error = result.PermanentError, Now = time.GetUtcNow().UtcDateTime,
        }), CancellationToken.None);
    }
}

/// <summary>Sends a queued reply as soon as its outbox row arrives.</summary>
public sealed class SmsReplyQueuedConsumer(SmsSender sender) : IConsumer<SmsReplyQueued>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<SmsReplyQueued> context) => sender.SendAsync(context.Message.OutboundMessageId, context.CancellationToken);
}

/// <summary>Every second: replies whose provider was down and whose next attempt is due; claims abandoned by a dead process.</summary>
public sealed class ReplyRetries(Database database, SmsSender sender, TimeProvider time, ILogger<ReplyRetries> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                var now = time.GetUtcNow().UtcDateTime;
                await database.InTransactionAsync(data => data.ExecuteAsync(SendSmsSql.Abandoned, new { Now = now, Before = now.AddMinutes(-5) }), stoppingToken);
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
