using Traceability.Grievances.Features.KeepFacilities;

namespace Traceability.Grievances.Features.Converse;

/// <summary>Where a sender's conversation stands.</summary>
public static class ConversationState
{
    /// <summary>No conversation running: the next message starts one.</summary>
    public const string Idle = "idle";

    /// <summary>The language menu was sent.</summary>
    public const string Language = "language";

    /// <summary>Asked for the workplace.</summary>
    public const string Workplace = "workplace";

    /// <summary>Asked for the category.</summary>
    public const string Category = "category";

    /// <summary>Asked for the worker's own words.</summary>
    public const string Details = "details";

    /// <summary>Asked whether we may contact the worker again.</summary>
    public const string Consent = "consent";
}

/// <summary>What the worker has told us so far in this session (kept encrypted between messages).</summary>
public sealed record Draft
{
    /// <summary>Provenance facility ids of the workplace.</summary>
    public IReadOnlyList<Guid> FacilityIds { get; init; } = [];

    /// <summary>The workplace's name, when found.</summary>
    public string? FacilityName { get; init; }

    /// <summary>Its country.</summary>
    public string? Country { get; init; }

    /// <summary>The exporter that registered it.</summary>
    public string? TenantId { get; init; }

    /// <summary>The category id.</summary>
    public string? Category { get; init; }

    /// <summary>The worker's own words.</summary>
    public string? Details { get; init; }
}

/// <summary>A workplace as the conversation finds it.</summary>
public sealed record Workplace(IReadOnlyList<Guid> FacilityIds, string Name, string Country, string TenantId);

/// <summary>A sender's conversation as stored.</summary>
public sealed record SenderConversation(string? Language, string State, Draft Draft, bool OptedOut);

/// <summary>A case the worker asked about.</summary>
public sealed record CaseStatus(string Reference, string Status);

/// <summary>What one message led to: the conversation after it, the replies, and a grievance to file.</summary>
public sealed record Step(SenderConversation After, IReadOnlyList<string> Replies, Draft? File, bool ContactAllowed, string? ReplyForReference = null);

/// <summary>
/// The conversation with one sender, as a state machine: language, workplace, category, the worker's
/// words, consent to be contacted, then the case is filed. Keywords (STATUS, HELP, STOP, START, in the
/// worker's language or English) work in any state; STOP silences every reply until START.
/// </summary>
public sealed class Conversation(ConversationTexts texts)
{
    /// <summary>The next step for <paramref name="text"/> from a sender whose conversation is <paramref name="now"/>.</summary>
    public async Task<Step> NextAsync(SenderConversation now, string text, Func<string, Task<Workplace?>> findWorkplace,
        Func<string, Task<CaseStatus?>> findCase)
    {
        var trimmed = text.Trim();
        var words = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var language = now.Language is null ? null : texts.Languages[now.Language];
        var keyword = words.Length is 1 or 2 ? texts.Keyword(words[0], now.Language) : null;
        var speak = language ?? texts.Languages[texts.Detect(trimmed) ?? "en"];
        switch (keyword)
        {
            case "stop" when words.Length == 1:
                return new Step(now with { OptedOut = true }, [speak.Format("stopped")], null, false);
            case "start" when words.Length == 1:
                return new Step(now with { OptedOut = false }, [speak.Format("started")], null, false);
            case "help" when words.Length == 1:
                return Reply(now, speak.Format("help"));
            case "status" when words.Length == 2 && CaseReference.Parse(words[1]) is { } reference:
                var found = await findCase(reference);
                return Reply(now, found is null
                    ? speak.Format("statusUnknown", ("reference", reference))
                    : speak.Format("statusReply", ("reference", reference), ("status", speak.Texts[$"status.{found.Status}"])));
        }
        if (now.OptedOut)
        {
            // Nothing is sent to a sender who opted out; what they send is kept, the conversation waits.
            return new Step(now, [], null, false);
        }
        switch (now.State)
        {
            case ConversationState.Language:
            case ConversationState.Idle:
                var draft = now.State == ConversationState.Language ? now.Draft : new Draft();
                var chosen = ChooseLanguage(trimmed);
                // A worker who texts the poster's code first has named the workplace: it is kept for after the language.
                if (chosen is null && PosterCodes.Parse(trimmed) is not null && await findWorkplace(trimmed) is { } named)
                {
                    draft = draft with { FacilityIds = named.FacilityIds, FacilityName = named.Name, Country = named.Country, TenantId = named.TenantId };
                }
                if (chosen is null)
                {
                    return Reply(new SenderConversation(now.Language, ConversationState.Language, draft, false), texts.LanguageMenu);
                }
                return draft.FacilityIds.Count > 0
                    ? Reply(new SenderConversation(chosen, ConversationState.Category, draft, false), texts.Languages[chosen].Format("askCategory"))
                    : Reply(new SenderConversation(chosen, ConversationState.Workplace, draft, false), texts.Languages[chosen].Format("askWorkplace"));
            case ConversationState.Workplace:
                if (trimmed == "0")
                {
                    return Reply(now with { State = ConversationState.Category }, speak.Format("askCategory"));
                }
                var workplace = await findWorkplace(trimmed);
                return workplace is null
                    ? Reply(now, speak.Format("workplaceUnknown"))
                    : Reply(now with
                    {
                        State = ConversationState.Category,
                        Draft = now.Draft with { FacilityIds = workplace.FacilityIds, FacilityName = workplace.Name, Country = workplace.Country, TenantId = workplace.TenantId },
                    }, speak.Format("askCategory"));
            case ConversationState.Category:
                var category = int.TryParse(trimmed, out var number) ? Categories.All.FirstOrDefault(c => c.Number == number) : null;
                return category is null
                    ? Reply(now, speak.Format("categoryInvalid"))
                    : Reply(now with { State = ConversationState.Details, Draft = now.Draft with { Category = category.Id } }, speak.Format("askDetails"));
            case ConversationState.Details:
                return Reply(now with { State = ConversationState.Consent, Draft = now.Draft with { Details = trimmed } }, speak.Format("askConsent"));
            case ConversationState.Consent:
                var consent = trimmed == "1" || texts.Keyword(trimmed, now.Language) == "yes" ? true
                    : trimmed == "2" || texts.Keyword(trimmed, now.Language) == "no" ? false : (bool?)null;
                if (consent is null)
                {
                    return Reply(now, speak.Format("askConsent"));
                }
                // The filed reply names the reference, which only the filing knows: the caller formats it.
                return new Step(new SenderConversation(now.Language, ConversationState.Idle, new Draft(), false), [], now.Draft, consent.Value, "filed");
            default:
                return Reply(now with { State = ConversationState.Idle }, texts.LanguageMenu);
        }
    }

    private string? ChooseLanguage(string text)
    {
        if (int.TryParse(text, out var number) && number >= 1 && number <= ConversationTexts.Codes.Count)
        {
            return ConversationTexts.Codes[number - 1];
        }
        return texts.Detect(text);
    }

    private static Step Reply(SenderConversation after, string reply) => new(after, [reply], null, false);
}
