using System.Globalization;
using Traceability.Contracts.Risk;
using Traceability.Data;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Flags;

/// <summary>
/// The one way a rule puts a finding in front of people: <see cref="RaiseOrAppend"/>. The first signal of a
/// rule × subject raises a flag (and <see cref="FlagRaised"/>); while that flag is open every later signal
/// appends its evidence to it (an evidence id already there adds nothing), its severity climbs to the
/// highest seen, and a climb or a new grievance is a <see cref="FlagStatusChanged"/>. Once the flag is
/// resolved, the next signal raises a new one.
/// </summary>
public sealed class FlagBook(Database database, RuleCatalog catalog, TimeProvider time)
{
    private readonly string _insertFlag = FlagBookSql.InsertFlagIfNoneOpen(database.Dialect);
    private readonly HoldRule _hold = new(catalog);

    /// <summary>
    /// Raises the flag of <paramref name="signal"/>'s rule and subject, or appends to the open one. Call it inside
    /// the consumer's transaction (<c>inbox.ConsumeOnceAsync(context, name, data => { flags.RaiseOrAppend(data, signal); ... })</c>):
    /// the writes are held and sent with the transaction's others, so the flag, its evidence, its history and its
    /// event commit with the inbox row, exactly once per message. Safe under concurrency: two transactions raising
    /// the same rule × subject end in one flag holding both signals' evidence.
    /// </summary>
    public void RaiseOrAppend(DataTransaction data, FlagSignal signal)
    {
        Validate(signal);
        var now = time.GetUtcNow().UtcDateTime;
        var flagId = Guid.CreateVersion7();
        var evidence = signal.Evidence.DistinctBy(e => e.Id).ToList();
        var grievances = evidence.Count(e => e.Source == EvidenceSource.Grievance);
        var sla = catalog.SlaFor(signal.Severity);
        var key = new { signal.RuleId, SubjectType = signal.Subject.Type, SubjectId = signal.Subject.Id };

        data.Defer(_insertFlag, new
        {
            Id = flagId,
            signal.RuleId,
            signal.RuleVersion,
            signal.Severity,
            SubjectType = signal.Subject.Type,
            SubjectId = signal.Subject.Id,
            signal.TenantId,
            ScopeCountry = signal.Scope.Country,
            ScopeHsChapter = signal.Scope.HsChapter,
            ScopeScheme = signal.Scope.Scheme,
            signal.Explanation,
            Evidence = Truncated(string.Join(' ', evidence.Select(e => e.Id)), 2000),
            Status = FlagStatus.Open,
            IsOpen = 1,
            RaisedAt = now,
            UpdatedAt = now,
            Version = 1,
            EvidenceCount = evidence.Count,
            GrievanceCount = grievances,
            AssignDueAt = now + sla.Assign,
            ResolveDueAt = now + sla.Resolve,
        }, inserted =>
        {
            if (inserted == 1)
            {
                HoldWhenCritical(data, signal);
                return;
            }
            Append(data, signal, key, evidence, sla, now);
        });
        // In the same round trip as the flag, each written only if the insert above wrote it: a raised flag costs the
        // transaction no round trip of its own (it cost one more when these waited for the insert's answer).
        foreach (var e in evidence)
        {
            data.Defer(FlagBookSql.InsertEvidenceOfNewFlag, Row(flagId, e, signal.RuleVersion, now));
        }
        data.Defer(FlagBookSql.InsertHistoryOfNewFlag, new
        {
            FlagId = flagId, FlagVersion = 1, Action = "raised", Status = FlagStatus.Open, Resolution = (string?)null, signal.Severity,
            Assignee = (string?)null, Actor = FlagStatus.EngineActor, Reason = (string?)null, Note = (string?)null, OccurredAt = now,
        });
        data.PublishIfExists(new FlagRaised
        {
            EventId = Guid.CreateVersion7(),
            TenantId = signal.TenantId,
            OccurredAt = now,
            FlagId = flagId,
            RuleId = signal.RuleId,
            RuleVersion = signal.RuleVersion,
            Severity = signal.Severity,
            SubjectType = signal.Subject.Type,
            SubjectId = signal.Subject.Id,
            ScopeCountry = signal.Scope.Country,
            ScopeHsChapter = signal.Scope.HsChapter,
            ScopeScheme = signal.Scope.Scheme,
            Explanation = signal.Explanation,
            GrievanceCount = grievances,
        }, "risk.flag", "id", flagId);
    }

    /// <summary>
    /// <see cref="RaiseOrAppend"/> for a signal that is a judgement of things as they stand now (a mass-balance period's whole
    /// total): evidence of it that an earlier judgement cleared counts again at once (kept as it was, its mark taken off), with
    /// a <c>re-judged</c> step and a <see cref="FlagStatusChanged"/>, instead of waiting for the next whole judgement.
    /// <paramref name="because"/> names what judged it (e.g. <c>shipment:&lt;id&gt;</c>).
    /// </summary>
    public void RaiseOrRestore(DataTransaction data, FlagSignal signal, string because)
    {
        RaiseOrAppend(data, signal);
        var now = time.GetUtcNow().UtcDateTime;
        var key = new { signal.RuleId, SubjectType = signal.Subject.Type, SubjectId = signal.Subject.Id };
        var counts = signal.EvidenceIds.Distinct().ToArray();
        data.BeforeCommit(async d =>
        {
            // The row lock first, as every path that changes a flag's evidence takes it.
            if (await d.ExecuteAsync(FlagBookSql.LockOpenFlag, key) == 0)
            {
                return;
            }
            var flag = (await d.QuerySingleOrDefaultAsync<FlagState>(FlagBookSql.SelectOpenFlag, key))!;
            var cleared = await d.QueryAsync<string>(FlagBookSql.ClearedEvidenceAmong(d.Dialect), new { flag.Id, Counts = counts });
            if (cleared.Count == 0)
            {
                return;
            }
            await d.ExecuteAsync(FlagBookSql.RestoreEvidence(d.Dialect), new { flag.Id, Counts = counts });
            await d.ExecuteAsync(FlagBookSql.RecountById, new { flag.Id });
            await d.ExecuteAsync(FlagBookSql.BumpById, new { flag.Id, Now = now });
            await RecordAsync(d, flag.Id, FlagConvergence.RejudgedAction, Truncated($"judged again after {because}", 200)!,
                $"Counts again: {string.Join(", ", cleared)}.", now);
        });
    }

    private void Append(DataTransaction data, FlagSignal signal, object key, IReadOnlyList<FlagEvidence> evidence, SlaClock sla, DateTime now)
    {
        var grievanceAdded = false;
        var severityRaised = false;
        data.Defer(FlagBookSql.LockOpenFlag, key);
        foreach (var e in evidence)
        {
            data.Defer(FlagBookSql.AppendEvidence, new
            {
                signal.RuleId, SubjectType = signal.Subject.Type, SubjectId = signal.Subject.Id,
                EvidenceId = e.Id, e.Source, signal.RuleVersion, Note = Truncated(e.Note, 2000), AppendedAt = now,
            }, appended => grievanceAdded |= appended == 1 && e.Source == EvidenceSource.Grievance);
        }
        data.Defer(FlagBookSql.RaiseSeverity, new
        {
            signal.RuleId, SubjectType = signal.Subject.Type, SubjectId = signal.Subject.Id,
            signal.Severity, SeverityRank = Severity.Rank(signal.Severity), signal.Explanation, signal.RuleVersion,
            AssignDueAt = now + sla.Assign, ResolveDueAt = now + sla.Resolve,
        }, raised => severityRaised = raised == 1);
        data.Defer(FlagBookSql.Recount, key);
        // Only a change people act on is published; repeated evidence of the same weight is kept quietly.
        data.BeforeCommit(async d =>
        {
            if (!severityRaised && !grievanceAdded)
            {
                return;
            }
            await d.ExecuteAsync(FlagBookSql.BumpOpenFlag, new { signal.RuleId, SubjectType = signal.Subject.Type, SubjectId = signal.Subject.Id, Now = now });
            var state = await d.QuerySingleOrDefaultAsync<FlagState>(FlagBookSql.SelectOpenFlag, key);
            if (state is not null)
            {
                // The history says where the clocks stand after a rise (they may have moved with it).
                var clocks = severityRaised
                    ? string.Create(CultureInfo.InvariantCulture, $"SLA clocks for {state.Severity}: assign by {state.AssignDueAt:yyyy-MM-dd HH:mm} UTC, resolve by {state.ResolveDueAt:yyyy-MM-dd HH:mm} UTC.")
                    : null;
                await FlagChanges.RecordAsync(d, state, severityRaised ? "severity-raised" : "evidence-appended", FlagStatus.EngineActor, null, clocks, now);
            }
            if (severityRaised)
            {
                HoldWhenCritical(d, signal);
            }
        });
    }

    /// <summary>
    /// Takes a rule's judgement of a subject made again after later evidence, inside the caller's transaction: what still counts
    /// is raised or appended as <see cref="RaiseOrAppend"/> does (a piece cleared before and counting again is restored), and
    /// the open flag's evidence that no longer counts is marked cleared by <see cref="FlagJudgement.ClearedBy"/>. A flag nothing
    /// counts for any more and nobody has worked is withdrawn (resolved, <c>withdrawn</c>, actor <c>risk</c>); a worked one keeps
    /// its status and gets a history note (<see cref="FlagConvergence.Decide"/>). Each change is a history step and a
    /// <see cref="FlagStatusChanged"/>, so Provenance's copy follows.
    /// </summary>
    public void Judge(DataTransaction data, FlagJudgement judgement)
    {
        if (judgement.Signal is { } signal)
        {
            if (signal.RuleId != judgement.RuleId || signal.Subject != judgement.Subject)
            {
                throw new ArgumentException("A judgement's signal is about its own rule and subject.", nameof(judgement));
            }
            RaiseOrAppend(data, signal);
        }
        var now = time.GetUtcNow().UtcDateTime;
        var key = new { judgement.RuleId, SubjectType = judgement.Subject.Type, SubjectId = judgement.Subject.Id };
        data.BeforeCommit(async d =>
        {
            // The row lock first, as the append path takes it: a person's step on the flag waits, or this one does.
            if (await d.ExecuteAsync(FlagBookSql.LockOpenFlag, key) == 0)
            {
                return;
            }
            var flag = (await d.QuerySingleOrDefaultAsync<FlagState>(FlagBookSql.SelectOpenFlag, key))!;
            var counts = judgement.Signal?.EvidenceIds.Distinct().ToArray() ?? [];
            var restored = counts.Length == 0 ? 0 : await d.ExecuteAsync(FlagBookSql.RestoreEvidence(d.Dialect), new { flag.Id, Counts = counts });
            var cleared = await d.QueryAsync<string>(FlagBookSql.CountingEvidenceExcept(d.Dialect), new { flag.Id, Counts = counts });
            if (cleared.Count > 0)
            {
                await d.ExecuteAsync(FlagBookSql.ClearEvidence(d.Dialect), new { flag.Id, Counts = counts, Now = now, ClearedBy = Truncated(judgement.ClearedBy, 200) });
            }
            if (restored > 0 || cleared.Count > 0)
            {
                await d.ExecuteAsync(FlagBookSql.RecountById, new { flag.Id });
            }
            var reason = Truncated($"cleared by {judgement.ClearedBy}", 200)!;
            var what = string.Join(", ", cleared.Take(10)) + (cleared.Count > 10 ? $" and {cleared.Count - 10} more" : "");
            // A reason can stop counting while its evidence stays (an audit covers the origin; the tiers still name no facility),
            // and a shipment judged before its origin facility was known is scoped by the declared country: what the rule says
            // now replaces both.
            var restated = judgement.Signal is { } found && (found.Explanation != flag.Explanation || found.Scope.Country != flag.ScopeCountry);
            var decision = FlagConvergence.Decide(flag.Status, flag.Escalated, judgement.Signal is not null, cleared.Count);
            if (decision == Convergence.Withdraw)
            {
                await d.ExecuteAsync(FlagBookSql.Withdraw, new { flag.Id, Now = now });
                await RecordAsync(d, flag.Id, FlagConvergence.WithdrawnAction, reason,
                    $"Nothing the rule found counts any more: {judgement.ClearedBy} cleared it{(cleared.Count > 0 ? $" ({what})" : "")}.", now);
                return;
            }
            if (decision == Convergence.Keep && !restated)
            {
                return;
            }
            // A person's status, assignee and notes are left as they are; the engine's explanation and scope are the rule's now.
            await d.ExecuteAsync(FlagBookSql.Restate, new
            {
                flag.Id, Now = now, Explanation = judgement.Signal?.Explanation ?? flag.Explanation, ScopeCountry = judgement.Signal?.Scope.Country ?? flag.ScopeCountry,
            });
            if (decision == Convergence.NoteCleared)
            {
                await RecordAsync(d, flag.Id, FlagConvergence.ClearedAction, reason, judgement.Signal is null
                    ? $"Nothing the rule found counts any more ({what} cleared by {judgement.ClearedBy}); the flag is being worked, so it stays for its assignee to resolve."
                    : $"No longer counts: {what} (cleared by {judgement.ClearedBy}); the rest still does.", now);
            }
            else
            {
                await RecordAsync(d, flag.Id, FlagConvergence.RejudgedAction, Truncated($"judged again after {judgement.ClearedBy}", 200)!,
                    "The rule's explanation and scope as it finds them now.", now);
            }
        });
    }

    /// <summary>
    /// Moves a rule's open flag from a provisional subject to the one in-order delivery files it under (a grievance's workplace
    /// named by its Provenance id before Risk heard of the facility, now known by its GLN / Open Supply Hub id), keeping its id,
    /// evidence and history: re-keyed when the subject has no open flag of the rule yet; otherwise its evidence is appended to
    /// that one and it is withdrawn as merged (left open, with a note, when a person is working it). Runs now, in the caller's
    /// transaction.
    /// </summary>
    public async Task MoveAsync(DataTransaction data, string ruleId, FlagSubject from, FlagSubject to, string scopeCountry, string because)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var fromKey = new { RuleId = ruleId, SubjectType = from.Type, SubjectId = from.Id };
        if (from == to || await data.ExecuteAsync(FlagBookSql.LockOpenFlag, fromKey) == 0)
        {
            return;
        }
        var moving = (await data.QuerySingleOrDefaultAsync<FlagState>(FlagBookSql.SelectOpenFlag, fromKey))!;
        var toKey = new { RuleId = ruleId, SubjectType = to.Type, SubjectId = to.Id };
        await data.ExecuteAsync(FlagBookSql.LockOpenFlag, toKey);
        var staying = await data.QuerySingleOrDefaultAsync<FlagState>(FlagBookSql.SelectOpenFlag, toKey);
        var reason = Truncated($"re-keyed by {because}", 200)!;
        if (staying is null)
        {
            await data.ExecuteAsync(FlagBookSql.Rekey, new { moving.Id, SubjectId = to.Id, ScopeCountry = scopeCountry, Now = now });
            await RecordAsync(data, moving.Id, FlagConvergence.RekeyedAction, reason,
                $"Filed under {from.Type} {from.Id} until Risk heard of the facility ({because}); now under {to.Id}, as in-order delivery files it.", now);
            return;
        }
        var added = await data.ExecuteAsync(FlagBookSql.CopyEvidence, new { From = moving.Id, To = staying.Id });
        if (added > 0)
        {
            await data.ExecuteAsync(FlagBookSql.RecountById, new { staying.Id });
            await data.ExecuteAsync(FlagBookSql.BumpById, new { staying.Id, Now = now });
            await RecordAsync(data, staying.Id, FlagConvergence.MergedAction, reason, $"Evidence of flag {moving.Id} (filed under {from.Type} {from.Id}) appended: the same facility.", now);
        }
        if (FlagConvergence.Decide(moving.Status, moving.Escalated, anythingCounts: false, cleared: 0) == Convergence.Withdraw)
        {
            await data.ExecuteAsync(FlagBookSql.Withdraw, new { moving.Id, Now = now });
            await RecordAsync(data, moving.Id, FlagConvergence.MergedAction, reason, $"Merged into flag {staying.Id} of the same facility ({to.Id}), which holds its evidence.", now);
        }
        else
        {
            await data.ExecuteAsync(FlagBookSql.BumpById, new { moving.Id, Now = now });
            await RecordAsync(data, moving.Id, FlagConvergence.MergedAction, reason,
                $"The same facility's flag {staying.Id} ({to.Id}) now holds this flag's evidence too; this one is being worked, so it stays for its assignee to resolve.", now);
        }
    }

    private static async Task RecordAsync(DataTransaction data, Guid id, string action, string reason, string note, DateTime now)
    {
        var state = (await data.QuerySingleOrDefaultAsync<FlagState>(FlagBookSql.SelectFlagState, new { Id = id }))!;
        await FlagChanges.RecordAsync(data, state, action, FlagStatus.EngineActor, reason, Truncated(note, 2000), now);
    }

    // A facility flag that is raised critical, or climbs to critical, holds every shipment Risk has that names the facility,
    // as a shipment arriving after it would be held: in whatever order the two arrive, the shipment ends held.
    private void HoldWhenCritical(DataTransaction data, FlagSignal signal)
    {
        if (signal.Subject.Type != FlagSubject.FacilityType || signal.Severity != Severity.Critical || !_hold.Enabled)
        {
            return;
        }
        data.BeforeCommit(d => HoldShipmentsAsync(d, signal.Subject.Id, signal.TenantId, Guid.Empty));
    }

    /// <summary>
    /// Holds the shipments naming the facility <paramref name="key"/> after <paramref name="after"/> (in shipment order) while it
    /// has an open critical flag, one batch (the <c>hold</c> rule's <c>BatchSize</c>): a full batch sends
    /// <see cref="HoldShipmentsNamingFacility"/> for the next one, so a site with very many shipments is held a batch per
    /// transaction rather than in one long one.
    /// </summary>
    public async Task HoldShipmentsAsync(DataTransaction data, string key, string tenantId, Guid after)
    {
        var critical = await data.QueryAsync<CriticalFlag>(FlagBookSql.OpenCriticalFacilityFlags, new { Key = key });
        if (critical.Count == 0)
        {
            return;
        }
        var batch = _hold.BatchSize;
        var naming = await data.QueryAsync<ShipmentNaming>(FlagBookSql.ShipmentsNamingFacility,
            new { Key = key, Id = Guid.TryParse(key, out var id) ? id : (Guid?)null, After = after, Batch = batch });
        foreach (var shipment in naming.DistinctBy(n => n.ShipmentId))
        {
            var facility = new FacilityFacts { ProvenanceId = shipment.FacilityId, Gln = shipment.Gln, OshId = shipment.OshId, Name = shipment.Name, Country = shipment.Country };
            var facts = new ShipmentFacts(shipment.ShipmentId, shipment.TenantId, shipment.Commodity, shipment.HsCode, shipment.ShipDate);
            if (_hold.Evaluate(facts, critical.Select(c => (facility, c.FlagId, c.RuleId)).ToList()) is { } held)
            {
                RaiseOrAppend(data, held);
            }
        }
        if (naming.Count == batch)
        {
            data.Publish(new HoldShipmentsNamingFacility
            {
                EventId = Guid.CreateVersion7(), TenantId = tenantId, OccurredAt = time.GetUtcNow().UtcDateTime, FacilityKey = key, AfterShipmentId = naming[^1].ShipmentId,
            });
        }
    }

    private sealed record CriticalFlag(Guid FlagId, string RuleId);

    private sealed record ShipmentNaming
    {
        public Guid ShipmentId { get; init; }
        public string TenantId { get; init; } = "";
        public string Commodity { get; init; } = "";
        public string HsCode { get; init; } = "";
        public DateOnly ShipDate { get; init; }
        public Guid FacilityId { get; init; }
        public string? Gln { get; init; }
        public string? OshId { get; init; }
        public string Name { get; init; } = "";
        public string Country { get; init; } = "";
    }

    private static object Row(Guid flagId, FlagEvidence e, int ruleVersion, DateTime now) => new
    {
        FlagId = flagId, EvidenceId = e.Id, e.Source, RuleVersion = ruleVersion, Note = Truncated(e.Note, 2000), AppendedAt = now,
    };

    private static string? Truncated(string? text, int length) => text is null || text.Length <= length ? text : text[..(length - 1)] + "…";

    private static void Validate(FlagSignal signal)
    {
        if (Severity.Rank(signal.Severity) == 0)
        {
            throw new ArgumentException($"'{signal.Severity}' is not a severity.", nameof(signal));
        }
        if (signal.Subject.Type is not (FlagSubject.ShipmentType or FlagSubject.FacilityType))
        {
            throw new ArgumentException($"'{signal.Subject.Type}' is not a subject type.", nameof(signal));
        }
        if (signal.Evidence.Count == 0)
        {
            throw new ArgumentException("A flag needs evidence.", nameof(signal));
        }
    }
}

/// <summary>A flag's workflow state, as a step reads it before recording itself.</summary>
public sealed record FlagState
{
    /// <summary>The flag's id.</summary>
    public Guid Id { get; init; }
    /// <summary>The version after the step.</summary>
    public int Version { get; init; }
    /// <summary>open, assigned, investigating, resolved.</summary>
    public string Status { get; init; } = "";
    /// <summary>confirmed, dismissed, remediated (a person's), withdrawn (the engine's), or null.</summary>
    public string? Resolution { get; init; }
    /// <summary>low … critical.</summary>
    public string Severity { get; init; } = "";
    /// <summary>The assigned auditor's id.</summary>
    public string? Assignee { get; init; }
    /// <summary>Marked for admins' attention.</summary>
    public bool Escalated { get; init; }
    /// <summary>The rule.</summary>
    public string RuleId { get; init; } = "";
    /// <summary>shipment or facility.</summary>
    public string SubjectType { get; init; } = "";
    /// <summary>The subject's id.</summary>
    public string SubjectId { get; init; } = "";
    /// <summary>The tenant the flag was raised for.</summary>
    public string TenantId { get; init; } = "";
    /// <summary>Grievances among the evidence.</summary>
    public int GrievanceCount { get; init; }
    /// <summary>The rule's version.</summary>
    public int RuleVersion { get; init; }
    /// <summary>Scope: country.</summary>
    public string ScopeCountry { get; init; } = "";
    /// <summary>Scope: HS chapter.</summary>
    public string? ScopeHsChapter { get; init; }
    /// <summary>Scope: scheme.</summary>
    public string? ScopeScheme { get; init; }
    /// <summary>The explanation.</summary>
    public string Explanation { get; init; } = "";
    /// <summary>When raised.</summary>
    public DateTime RaisedAt { get; init; }
    /// <summary>When it must be assigned by.</summary>
    public DateTime? AssignDueAt { get; init; }
    /// <summary>When it must be resolved by.</summary>
    public DateTime? ResolveDueAt { get; init; }
}

/// <summary>The flag workflow's words.</summary>
public static class FlagStatus
{
    /// <summary>Raised, nobody assigned.</summary>
    public const string Open = "open";
    /// <summary>An auditor is assigned.</summary>
    public const string Assigned = "assigned";
    /// <summary>The assigned auditor is investigating.</summary>
    public const string Investigating = "investigating";
    /// <summary>Closed with a resolution.</summary>
    public const string Resolved = "resolved";
    /// <summary>The actor of what the engine does by itself.</summary>
    public const string EngineActor = "risk";
}

/// <summary>Records a step of a flag that changed: its history row and its <see cref="FlagStatusChanged"/>.</summary>
internal static class FlagChanges
{
    /// <summary>Call after the flag's row was updated (its version raised); <paramref name="state"/> is the row as it is now.</summary>
    public static async Task RecordAsync(DataTransaction data, FlagState state, string action, string actor, string? reason, string? note, DateTime now)
    {
        var grievanceCases = state.GrievanceCount == 0
            ? []
            : (await data.QueryAsync<string>(FlagBookSql.GrievanceEvidence, new { state.Id }))
                .Select(id => Guid.TryParse(id.StartsWith("grievance:", StringComparison.Ordinal) ? id["grievance:".Length..] : id, out var caseId) ? caseId : Guid.Empty)
                .Where(id => id != Guid.Empty)
                .ToList();
        data.Defer(FlagBookSql.InsertHistory, new
        {
            FlagId = state.Id, FlagVersion = state.Version, Action = action, state.Status, state.Resolution, state.Severity, state.Assignee,
            Actor = actor, Reason = reason, Note = note, OccurredAt = now,
        });
        data.Publish(new FlagStatusChanged
        {
            EventId = Guid.CreateVersion7(),
            TenantId = state.TenantId,
            OccurredAt = now,
            FlagId = state.Id,
            Version = state.Version,
            Action = action,
            Status = state.Status,
            Resolution = state.Resolution,
            Severity = state.Severity,
            RuleId = state.RuleId,
            SubjectType = state.SubjectType,
            SubjectId = state.SubjectId,
            Reason = reason,
            GrievanceCount = state.GrievanceCount,
            GrievanceCaseIds = grievanceCases,
            RuleVersion = state.RuleVersion,
            ScopeCountry = state.ScopeCountry,
            ScopeHsChapter = state.ScopeHsChapter,
            ScopeScheme = state.ScopeScheme,
            Explanation = state.Explanation,
            RaisedAt = DateTime.SpecifyKind(state.RaisedAt, DateTimeKind.Utc),
        });
    }
}
