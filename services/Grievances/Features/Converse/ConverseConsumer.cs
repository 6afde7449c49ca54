using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Options;
using Traceability.Contracts.Grievances;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Grievances.Features.Cases;
using Traceability.Grievances.Features.KeepFacilities;
using Traceability.Grievances.Features.ReceiveSms;
using Traceability.Grievances.Features.SendSms;
using Traceability.Grievances.Privacy;
using Traceability.Grievances.Sms;

namespace Traceability.Grievances.Features.Converse;

internal static class ConverseSql
{
    public const string Sender = """
        SELECT pseudonym AS Pseudonym, language AS Language, state AS State, draft AS Draft, session_expires_at AS SessionExpiresAt,
               opted_out AS OptedOut, window_started_at AS WindowStartedAt, window_count AS WindowCount, version AS Version
        FROM grievances.sender WHERE pseudonym = @Pseudonym
        """;

    public const string Unprocessed = """
        SELECT id AS Id, gateway AS Gateway, gateway_number AS GatewayNumber, phone_cipher AS PhoneCipher, body_cipher AS BodyCipher
        FROM grievances.inbound_message WHERE pseudonym = @Pseudonym AND processed_at IS NULL
        ORDER BY received_at, id
        """;

    public const string InsertSender = """
        INSERT INTO grievances.sender (pseudonym, phone_cipher, gateway, gateway_number, language, state, draft, session_expires_at, opted_out,
          window_started_at, window_count, version, updated_at)
        VALUES (@Pseudonym, @PhoneCipher, @Gateway, @GatewayNumber, NULL, 'idle', NULL, @Now, @False, @Now, 0, 0, @Now)
        """;

    // The version check makes two instances working on one sender at once take turns: the loser's
    // transaction fails and its message is consumed again, finding the winner's state.
    public const string UpdateSender = """
        UPDATE grievances.sender SET phone_cipher = @PhoneCipher, gateway = @Gateway, gateway_number = @GatewayNumber, language = @Language,
          state = @State, draft = @Draft, session_expires_at = @SessionExpiresAt, opted_out = @OptedOut, window_started_at = @WindowStartedAt,
          window_count = @WindowCount, version = version + 1, updated_at = @Now
        WHERE pseudonym = @Pseudonym AND version = @Version
        """;

    public const string MarkProcessed = "UPDATE grievances.inbound_message SET processed_at = @Now WHERE id = @Id";

    public const string FacilityByCode = """
        SELECT id AS Id, tenant_id AS TenantId, name AS Name, country AS Country FROM grievances.facility WHERE poster_code = @Code
        """;

    public const string FacilitiesByName = """
        SELECT id AS Id, tenant_id AS TenantId, name AS Name, country AS Country FROM grievances.facility WHERE name_key = @NameKey
        ORDER BY updated_at
        """;

    public const string FacilitiesLikeName = """
        SELECT id AS Id, tenant_id AS TenantId, name AS Name, country AS Country, name_key AS NameKey FROM grievances.facility WHERE name_key LIKE @Pattern
        ORDER BY updated_at
        OFFSET 0 ROWS FETCH NEXT 20 ROWS ONLY
        """;

    public const string CaseOfSender = "SELECT reference AS Reference, status AS Status FROM grievances.grievance_case WHERE reference = @Reference AND pseudonym = @Pseudonym";

    public const string InsertCase = """
        INSERT INTO grievances.grievance_case (id, reference, pseudonym, tenant_id, language, facility_ids, facility_name, country, category, ilo_indicators,
          description_cipher, contact_allowed, status, outcome, filed_at, acknowledge_by, feedback_by)
        VALUES (@Id, @Reference, @Pseudonym, @TenantId, @Language, @FacilityIds, @FacilityName, @Country, @Category, @IloIndicators,
          @DescriptionCipher, @ContactAllowed, 'filed', NULL, @FiledAt, @AcknowledgeBy, @FeedbackBy)
        """;

    public const string InsertHistory = """
        INSERT INTO grievances.case_history (id, case_id, at, actor, action, detail) VALUES (@Id, @CaseId, @At, @Actor, @Action, @Detail)
        """;
}

/// <summary>
/// Runs a sender's conversation for every message of theirs not yet read, in the order they came,
/// under the inbox (once per message): the sender's state, the replies and a filed case commit together.
/// </summary>
public sealed class ConverseConsumer(Inbox inbox, Conversation conversation, ConversationTexts texts, Replies replies, PrivacyVault vault,
    IOptions<SmsOptions> options, TimeProvider time) : IConsumer<SmsReceived>
{
    private sealed record SenderRow(string Pseudonym, string? Language, string State, string? Draft, DateTime SessionExpiresAt, bool OptedOut,
        DateTime WindowStartedAt, int WindowCount, int Version);

    private sealed record InboundRow(Guid Id, string Gateway, string GatewayNumber, string PhoneCipher, string BodyCipher);

    private sealed record FacilityRow(Guid Id, string TenantId, string Name, string Country);

    private sealed record NamedFacilityRow(Guid Id, string TenantId, string Name, string Country, string NameKey);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<SmsReceived> context) =>
        inbox.ConsumeOnceAsync(context, "grievances.converse", data => ConverseAsync(data, context.Message.SenderPseudonym));

    private async Task ConverseAsync(DataTransaction data, string pseudonym)
    {
        var messages = await data.QueryAsync<InboundRow>(ConverseSql.Unprocessed, new { Pseudonym = pseudonym });
        if (messages.Count == 0)
        {
            return;
        }
        var now = time.GetUtcNow().UtcDateTime;
        var sender = await data.QuerySingleOrDefaultAsync<SenderRow>(ConverseSql.Sender, new { Pseudonym = pseudonym });
        if (sender is null)
        {
            var first = messages[0];
            await data.ExecuteAsync(ConverseSql.InsertSender, new { Pseudonym = pseudonym, first.PhoneCipher, first.Gateway, first.GatewayNumber, Now = now, False = false });
            sender = new SenderRow(pseudonym, null, ConversationState.Idle, null, now, false, now, 0, 0);
        }
        var expired = sender.SessionExpiresAt < now;
        var state = new SenderConversation(sender.Language, expired ? ConversationState.Idle : sender.State,
            expired || sender.Draft is null ? new Draft() : JsonSerializer.Deserialize<Draft>(vault.Decrypt(sender.Draft))!, sender.OptedOut);
        var (windowStart, windowCount) = now - sender.WindowStartedAt >= TimeSpan.FromHours(1) ? (now, 0) : (sender.WindowStartedAt, sender.WindowCount);
        var last = messages[^1];
        foreach (var message in messages)
        {
            var target = new ReplyTarget(pseudonym, CaseworkerEndpoints.OutboundGatewayFor(options.Value, message.Gateway), message.GatewayNumber);
            var text = vault.Decrypt(message.BodyCipher);
            if (state.State == ConversationState.Idle && !state.OptedOut && await AnswerToQuestionAsync(data, pseudonym, text, message.BodyCipher, now))
            {
                data.Defer(ConverseSql.MarkProcessed, new { message.Id, Now = now });
                continue;
            }
            var step = await conversation.NextAsync(state, text,
                text => FindWorkplaceAsync(data, text),
                async reference => await data.QuerySingleOrDefaultAsync<CaseStatus>(ConverseSql.CaseOfSender, new { Reference = reference, Pseudonym = pseudonym }));
            var texts1 = step.Replies.ToList();
            Guid? caseId = null;
            if (step.File is { } draft)
            {
                var language = texts.Languages[state.Language ?? "en"];
                var (id, reference) = await FileAsync(data, pseudonym, language.Code, draft, step.ContactAllowed, now);
                caseId = id;
                texts1.Add(language.Format("filed", ("reference", reference)));
            }
            // A sender who opted out (and did not just opt back in) is sent nothing.
            var silent = state.OptedOut && step.After.OptedOut;
            foreach (var reply in silent ? [] : texts1)
            {
                windowCount++;
                replies.Queue(data, target, reply, message.Id, caseId, throttled: windowCount > options.Value.RepliesPerHour);
            }
            data.Defer(ConverseSql.MarkProcessed, new { message.Id, Now = now });
            state = step.After;
        }
        var updated = await data.ExecuteAsync(ConverseSql.UpdateSender, new
        {
            Pseudonym = pseudonym, last.PhoneCipher, last.Gateway, last.GatewayNumber, state.Language, state.State,
            Draft = state.State == ConversationState.Idle ? null : vault.Encrypt(JsonSerializer.Serialize(state.Draft)),
            SessionExpiresAt = now.AddMinutes(options.Value.SessionMinutes), state.OptedOut, WindowStartedAt = windowStart, WindowCount = windowCount,
            Now = now, sender.Version,
        });
        if (updated != 1)
        {
            throw new InvalidOperationException("Another instance moved this sender's conversation on; the message is consumed again.");
        }
    }

    private async Task<Workplace?> FindWorkplaceAsync(DataTransaction data, string text)
    {
        if (PosterCodes.Parse(text) is { } code
            && await data.QuerySingleOrDefaultAsync<FacilityRow>(ConverseSql.FacilityByCode, new { Code = code }) is { } byCode)
        {
            return new Workplace([byCode.Id], byCode.Name, byCode.Country, byCode.TenantId);
        }
        var key = PosterCodes.NameKey(text);
        if (key.Length < 3)
        {
            return null;
        }
        var rows = await data.QueryAsync<FacilityRow>(ConverseSql.FacilitiesByName, new { NameKey = key });
        if (rows.Count == 0 && key.Length >= 4)
        {
            // Part of a name ("Sunrise" for "Sunrise Garments Ltd") when it names one workplace only.
            var like = await data.QueryAsync<NamedFacilityRow>(ConverseSql.FacilitiesLikeName, new { Pattern = "%" + key.Replace("%", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal) + "%" });
            rows = like.Select(r => r.NameKey).Distinct().Count() == 1 ? like.Select(r => new FacilityRow(r.Id, r.TenantId, r.Name, r.Country)).ToList() : [];
        }
        return rows.Count == 0 ? null : new Workplace(rows.Select(r => r.Id).ToList(), rows[0].Name, rows[0].Country, rows[0].TenantId);
    }

    /// <summary>
    /// A message from a worker a caseworker asked a question (and not a keyword) is their answer: it goes
    /// into the case's history, encrypted, and the case is back with the caseworker.
    /// </summary>
    private async Task<bool> AnswerToQuestionAsync(DataTransaction data, string pseudonym, string text, string bodyCipher, DateTime now)
    {
        var words = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || (words.Length <= 2 && texts.Keyword(words[0], null) is not null))
        {
            return false;
        }
        var awaiting = await data.QuerySingleOrDefaultAsync<AwaitingCase>(CasesSql.AwaitingWorker, new { Pseudonym = pseudonym });
        if (awaiting is null)
        {
            return false;
        }
        data.Defer(ConverseSql.InsertHistory, new { Id = Guid.CreateVersion7(), CaseId = awaiting.Id, At = now, Actor = "worker", Action = "worker-replied", Detail = bodyCipher });
        data.Defer(CasesSql.SetStatus, new { awaiting.Id, Status = "acknowledged", Previous = "awaiting-worker" });
        await data.PublishAsync(new GrievanceStatusChanged
        {
            EventId = Guid.CreateVersion7(), TenantId = awaiting.TenantId, OccurredAt = now, CaseId = awaiting.Id, CaseReference = awaiting.Reference,
            FacilityIds = awaiting.FacilityIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToList(),
            PreviousStatus = "awaiting-worker", Status = "acknowledged", Category = awaiting.Category,
        });
        return true;
    }

    private sealed record AwaitingCase(Guid Id, string Reference, string TenantId, string FacilityIds, string Category);

    private async Task<(Guid Id, string Reference)> FileAsync(DataTransaction data, string pseudonym, string language, Draft draft, bool contactAllowed, DateTime now)
    {
        var category = Categories.Find(draft.Category ?? "other") ?? Categories.All[^1];
        var id = Guid.CreateVersion7();
        var reference = CaseReference.New();
        var tenant = draft.TenantId ?? "grievances";
        // A reference drawn twice fails uq_case_reference: the message is consumed again and draws another.
        data.Defer(ConverseSql.InsertCase, new
        {
            Id = id, Reference = reference, Pseudonym = pseudonym, TenantId = tenant, Language = language,
            FacilityIds = string.Join(",", draft.FacilityIds), draft.FacilityName, draft.Country, Category = category.Id,
            IloIndicators = string.Join(",", category.IloIndicators), DescriptionCipher = vault.Encrypt(draft.Details ?? ""),
            ContactAllowed = contactAllowed, FiledAt = now, AcknowledgeBy = now.AddDays(7), FeedbackBy = now.AddMonths(3),
        });
        data.Defer(ConverseSql.InsertHistory, new { Id = Guid.CreateVersion7(), CaseId = id, At = now, Actor = "worker", Action = "filed", Detail = (string?)null });
        await data.PublishAsync(new GrievanceFiled
        {
            EventId = Guid.CreateVersion7(),
            TenantId = tenant,
            OccurredAt = now,
            CaseId = id,
            CaseReference = reference,
            FacilityIds = draft.FacilityIds,
            FacilityCountry = draft.Country,
            Category = category.Id,
            IloIndicators = category.IloIndicators,
            ForcedLabourIndicator = category.ForcedLabour,
            Language = language,
            SenderPseudonym = pseudonym,
            FiledAt = now,
        });
        return (id, reference);
    }
}
