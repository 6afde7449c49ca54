using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Traceability.Data;
using Traceability.Risk.Flags;

namespace Traceability.IntegrationTests;

/// <summary>Risk's flag book on the real PostgreSQL: one open flag per rule × subject, evidence appended, history append-only.</summary>
[TestFixture]
[Category("Integration")]
public class When_rules_raise_flags_through_the_flag_book
{
    private TestDatabase _database = null!;
    private TestFlagBook _flags = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _database = await Infrastructure.CreateDatabaseAsync();
        await SchemaMigrations.ApplyAsync(PostgresDialect.Instance, _database.ConnectionString, "risk", typeof(FlagBook).Assembly, NullLogger.Instance);
        _flags = new TestFlagBook(_database.ConnectionString);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _flags.Dispose();
        await _database.DisposeAsync();
    }

    private static FlagSignal Signal(string subject, string severity, params FlagEvidence[] evidence) => new()
    {
        RuleId = "test-rule",
        RuleVersion = 3,
        Severity = severity,
        Subject = FlagSubject.Facility(subject),
        TenantId = "audits",
        Scope = new FlagScope("BD", "61", "SMETA"),
        Explanation = $"{severity} finding at {subject}.",
        Evidence = evidence,
    };

    private Task Raise(FlagSignal signal) => _flags.RaiseAsync(signal);

    private async Task<IReadOnlyList<(Guid Id, string Severity, string Status, int EvidenceCount, int GrievanceCount, int Version)>> FlagsOf(string subject)
    {
        await using var connection = _database.Open();
        return (await connection.QueryAsync<(Guid, string, string, int, int, int)>(
            "SELECT id, severity, status, evidence_count, grievance_count, version FROM risk.flag WHERE subject_id = @Subject ORDER BY raised_at", new { Subject = subject })).ToList();
    }

    private async Task<IReadOnlyList<string>> EvidenceOf(Guid flagId)
    {
        await using var connection = _database.Open();
        return (await connection.QueryAsync<string>("SELECT evidence_id FROM risk.flag_evidence WHERE flag_id = @Id ORDER BY evidence_id", new { Id = flagId })).ToList();
    }

    private Task<long> Outbox(string type, string subject) => _database.ScalarAsync<long>(
        "SELECT count(*) FROM risk.outbox_message WHERE message_type LIKE @Type AND body LIKE @Subject", new { Type = $"%{type}%", Subject = $"%{subject}%" });

    [Test]
    public async Task Should_append_new_evidence_to_the_open_flag_instead_of_raising_a_second()
    {
        const string mill = "5012345678900";
        await Raise(Signal(mill, Severity.Medium, new FlagEvidence("finding:a", EvidenceSource.Audit)));
        await Raise(Signal(mill, Severity.Medium, new FlagEvidence("finding:a", EvidenceSource.Audit), new FlagEvidence("finding:b", EvidenceSource.Audit)));
        await Raise(Signal(mill, Severity.Medium, new FlagEvidence("finding:b", EvidenceSource.Audit)));

        var flags = await FlagsOf(mill);
        Assert.That(flags, Has.Count.EqualTo(1));
        Assert.That(await EvidenceOf(flags[0].Id), Is.EqualTo(new[] { "finding:a", "finding:b" }));
        Assert.That(flags[0].EvidenceCount, Is.EqualTo(2));
        Assert.That(flags[0].Version, Is.EqualTo(1), "evidence of the same weight changes nothing anyone acts on");
        Assert.That(await Outbox("FlagRaised", mill), Is.EqualTo(1));
        Assert.That(await Outbox("FlagStatusChanged", mill), Is.Zero);
    }

    [Test]
    public async Task Should_raise_the_severity_to_the_highest_seen_and_say_so_once()
    {
        const string mill = "5012345678917";
        await Raise(Signal(mill, Severity.Medium, new FlagEvidence("finding:m", EvidenceSource.Audit)));
        await Raise(Signal(mill, Severity.Critical, new FlagEvidence("finding:c", EvidenceSource.Audit)));
        await Raise(Signal(mill, Severity.Low, new FlagEvidence("finding:l", EvidenceSource.Audit)));

        var flag = (await FlagsOf(mill)).Single();
        Assert.That((flag.Severity, flag.Version, flag.EvidenceCount), Is.EqualTo((Severity.Critical, 2, 3)), "a lower signal never lowers it");
        Assert.That(await Outbox("FlagStatusChanged", mill), Is.EqualTo(1));
        Assert.That(await _database.ScalarAsync<string>("SELECT explanation FROM risk.flag WHERE id = @Id", new { flag.Id }), Is.EqualTo($"critical finding at {mill}."));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.flag_history WHERE flag_id = @Id", new { flag.Id }), Is.EqualTo(2));
    }

    [Test]
    public async Task Should_move_the_SLA_clocks_sooner_when_the_severity_rises_and_write_them_in_the_history()
    {
        const string mill = "5012345678962";
        await Raise(Signal(mill, Severity.Low, new FlagEvidence("finding:low", EvidenceSource.Audit)));
        var flag = (await FlagsOf(mill)).Single();
        var low = await ClocksOf(flag.Id);
        await Raise(Signal(mill, Severity.Critical, new FlagEvidence("finding:critical", EvidenceSource.Audit)));
        var critical = await ClocksOf(flag.Id);
        await Raise(Signal(mill, Severity.Critical, new FlagEvidence("finding:critical-again", EvidenceSource.Audit)));

        // The shipped SLA: low 7 days to assign and 90 to resolve, critical 4 hours and 3 days, counted from the rise.
        Assert.That(critical.Assign - low.Assign, Is.LessThan(TimeSpan.FromDays(-6)), "assign clock moved from 7 days to 4 hours");
        Assert.That(critical.Resolve - low.Resolve, Is.LessThan(TimeSpan.FromDays(-86)), "resolve clock moved from 90 to 3 days");
        Assert.That(critical.Resolve - critical.Assign, Is.EqualTo(TimeSpan.FromDays(3) - TimeSpan.FromHours(4)), "both counted from the same moment");
        Assert.That(await ClocksOf(flag.Id), Is.EqualTo(critical), "a signal of the same severity moves nothing");
        var note = await _database.ScalarAsync<string>("SELECT note FROM risk.flag_history WHERE flag_id = @Id AND action = 'severity-raised'", new { flag.Id });
        Assert.That(note, Is.EqualTo(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"SLA clocks for critical: assign by {critical.Assign:yyyy-MM-dd HH:mm} UTC, resolve by {critical.Resolve:yyyy-MM-dd HH:mm} UTC.")));
    }

    private async Task<(DateTime Assign, DateTime Resolve)> ClocksOf(Guid id) => (
        await _database.ScalarAsync<DateTime>("SELECT assign_due_at FROM risk.flag WHERE id = @Id", new { Id = id }),
        await _database.ScalarAsync<DateTime>("SELECT resolve_due_at FROM risk.flag WHERE id = @Id", new { Id = id }));

    [Test]
    public async Task Should_count_grievances_and_tell_of_each_new_one()
    {
        var mill = $"withdrawn-{Guid.NewGuid()}";
        var caseId = Guid.NewGuid();
        await Raise(Signal(mill, Severity.Medium, new FlagEvidence("finding:x", EvidenceSource.Audit)));
        await Raise(Signal(mill, Severity.Medium, new FlagEvidence($"grievance:{caseId}", EvidenceSource.Grievance)));
        await Raise(Signal(mill, Severity.Medium, new FlagEvidence($"grievance:{caseId}", EvidenceSource.Grievance)));

        var flag = (await FlagsOf(mill)).Single();
        Assert.That((flag.GrievanceCount, flag.Version), Is.EqualTo((1, 2)));
        var changed = await _database.ScalarAsync<string>("SELECT body FROM risk.outbox_message WHERE message_type LIKE '%FlagStatusChanged%' AND body LIKE @S", new { S = $"%{mill}%" });
        Assert.That(changed, Does.Contain(caseId.ToString()).And.Contain("evidence-appended"));
    }

    [Test]
    public async Task Should_end_in_one_flag_when_many_raise_the_same_rule_and_subject_at_once()
    {
        var mill = $"worked-{Guid.NewGuid()}";
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Raise(Signal(mill, i == 7 ? Severity.High : Severity.Low, new FlagEvidence($"finding:{i}", EvidenceSource.Audit)))));

        var flag = (await FlagsOf(mill)).Single();
        Assert.That((flag.Severity, flag.EvidenceCount), Is.EqualTo((Severity.High, 12)));
        Assert.That(await EvidenceOf(flag.Id), Has.Count.EqualTo(12));
        Assert.That(await Outbox("FlagRaised", mill), Is.EqualTo(1));
    }

    [Test]
    public async Task Should_end_in_the_same_flag_whatever_order_the_signals_arrive_in()
    {
        FlagSignal[] signals =
        [
            Signal("A", Severity.Low, new FlagEvidence("finding:1", EvidenceSource.Audit)),
            Signal("A", Severity.High, new FlagEvidence("finding:2", EvidenceSource.Audit), new FlagEvidence("grievance:" + Guid.Empty, EvidenceSource.Grievance)),
            Signal("A", Severity.Medium, new FlagEvidence("finding:3", EvidenceSource.Audit), new FlagEvidence("finding:1", EvidenceSource.Audit)),
        ];
        async Task<(string, int, int, string)> Outcome(string subject, IEnumerable<FlagSignal> inOrder)
        {
            foreach (var signal in inOrder)
            {
                await Raise(signal with { Subject = FlagSubject.Facility(subject) });
            }
            var flag = (await FlagsOf(subject)).Single();
            return (flag.Severity, flag.EvidenceCount, flag.GrievanceCount, string.Join(",", await EvidenceOf(flag.Id)));
        }
        Assert.That(await Outcome("in-order", signals), Is.EqualTo(await Outcome("reversed", signals.Reverse())));
    }

    [Test]
    public async Task Should_raise_a_new_flag_once_the_open_one_is_resolved()
    {
        const string mill = "5012345678948";
        await Raise(Signal(mill, Severity.High, new FlagEvidence("finding:old", EvidenceSource.Audit)));
        await using (var connection = _database.Open())
        {
            await connection.ExecuteAsync("UPDATE risk.flag SET status = 'resolved', resolution = 'remediated', is_open = NULL WHERE subject_id = @Mill", new { Mill = mill });
        }
        await Raise(Signal(mill, Severity.High, new FlagEvidence("finding:new", EvidenceSource.Audit)));

        var flags = await FlagsOf(mill);
        Assert.That(flags.Select(f => f.Status), Is.EqualTo(new[] { "resolved", "open" }));
        Assert.That(await EvidenceOf(flags[1].Id), Is.EqualTo(new[] { "finding:new" }));
    }

    private Task Judge(string subject, FlagSignal? signal, string clearedBy) => _flags.Data.InTransactionAsync(data =>
    {
        _flags.Flags.Judge(data, new FlagJudgement("test-rule", FlagSubject.Facility(subject), signal, clearedBy));
        return Task.FromResult(0);
    }, CancellationToken.None);

    private async Task<IReadOnlyList<(string Action, string Status, string? Resolution, string Actor, string? Reason)>> HistoryOf(Guid flagId)
    {
        await using var connection = _database.Open();
        return (await connection.QueryAsync<(string, string, string?, string, string?)>(
            "SELECT action, status, resolution, actor, reason FROM risk.flag_history WHERE flag_id = @Id ORDER BY flag_version", new { Id = flagId })).ToList();
    }

    private async Task<IReadOnlyList<(string Id, string? ClearedBy)>> ClearedOf(Guid flagId)
    {
        await using var connection = _database.Open();
        return (await connection.QueryAsync<(string, string?)>(
            "SELECT evidence_id, cleared_by FROM risk.flag_evidence WHERE flag_id = @Id ORDER BY evidence_id", new { Id = flagId })).ToList();
    }

    [Test]
    public async Task Should_withdraw_an_untouched_flag_nothing_counts_for_any_more_and_say_what_cleared_it()
    {
        var mill = $"withdrawn-{Guid.NewGuid()}";
        await Raise(Signal(mill, Severity.High, new FlagEvidence("period:1", EvidenceSource.Provenance), new FlagEvidence("period:2", EvidenceSource.Provenance)));
        // Judged again: one period still counts, then none.
        await Judge(mill, Signal(mill, Severity.High, new FlagEvidence("period:2", EvidenceSource.Provenance)) with { Explanation = "Only period 2." }, "audit:b");
        var flag = (await FlagsOf(mill)).Single();
        Assert.That((flag.Status, flag.EvidenceCount, flag.Version), Is.EqualTo(("open", 1, 2)));
        Assert.That(await ClearedOf(flag.Id), Is.EqualTo(new[] { ("period:1", (string?)"audit:b"), ("period:2", null) }), "kept, marked, not counted");

        await Judge(mill, null, "audit:c");
        flag = (await FlagsOf(mill)).Single();
        Assert.That((flag.Status, flag.EvidenceCount, flag.Version), Is.EqualTo(("resolved", 0, 3)));
        Assert.That(await HistoryOf(flag.Id), Is.EqualTo(new[]
        {
            ("raised", "open", (string?)null, "risk", (string?)null),
            ("evidence-cleared", "open", null, "risk", "cleared by audit:b"),
            ("withdrawn", "resolved", "withdrawn", "risk", "cleared by audit:c"),
        }));
        Assert.That(await _database.ScalarAsync<string>("SELECT resolution FROM risk.flag WHERE id = @Id", new { flag.Id }), Is.EqualTo("withdrawn"));
        Assert.That(await Outbox("FlagStatusChanged", mill), Is.EqualTo(2), "Provenance's copy follows each step");

        // Withdrawn steps aside like a resolved flag: the rule may raise a new one, and judging nothing again changes nothing.
        await Judge(mill, null, "audit:d");
        await Raise(Signal(mill, Severity.High, new FlagEvidence("period:3", EvidenceSource.Provenance)));
        Assert.That((await FlagsOf(mill)).Select(f => f.Status), Is.EqualTo(new[] { "resolved", "open" }));
    }

    [Test]
    public async Task Should_leave_a_flag_a_person_works_with_them_and_note_in_its_history_that_the_evidence_cleared()
    {
        var mill = $"worked-{Guid.NewGuid()}";
        await Raise(Signal(mill, Severity.Medium, new FlagEvidence("epcis:t1", EvidenceSource.Provenance)));
        var raised = (await FlagsOf(mill)).Single();
        await using (var connection = _database.Open())
        {
            await connection.ExecuteAsync("UPDATE risk.flag SET status = 'assigned', assignee = 'aud-1', version = 2 WHERE id = @Id", new { raised.Id });
        }

        await Judge(mill, null, "epcis:r1");
        var flag = (await FlagsOf(mill)).Single();
        Assert.That((flag.Status, flag.EvidenceCount, flag.Version), Is.EqualTo(("assigned", 0, 3)));
        Assert.That((await HistoryOf(flag.Id))[^1], Is.EqualTo(("evidence-cleared", "assigned", (string?)null, "risk", (string?)"cleared by epcis:r1")));
        Assert.That(await _database.ScalarAsync<string>("SELECT assignee FROM risk.flag WHERE id = @Id", new { flag.Id }), Is.EqualTo("aud-1"));

        // The same evidence counting again (a later judgement finds it) is restored, not appended twice.
        await Judge(mill, Signal(mill, Severity.Medium, new FlagEvidence("epcis:t1", EvidenceSource.Provenance)), "epcis:t2");
        Assert.That(await ClearedOf(flag.Id), Is.EqualTo(new[] { ("epcis:t1", (string?)null) }));
        Assert.That((await FlagsOf(mill)).Single().EvidenceCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Should_move_a_flag_filed_under_a_provisional_subject_onto_the_facility_or_merge_it_there()
    {
        string provisional = Guid.NewGuid().ToString(), other = Guid.NewGuid().ToString();
        var gln = $"moved-{Guid.NewGuid()}";
        Task Move(string from) => _flags.Data.InTransactionAsync(async data =>
        {
            await _flags.Flags.MoveAsync(data, "test-rule", FlagSubject.Facility(from), FlagSubject.Facility(gln), "GH", $"facility:{gln}");
            return 0;
        }, CancellationToken.None);
        await Raise(Signal(provisional, Severity.Medium, new FlagEvidence("grievance:a", EvidenceSource.Grievance)));
        await Raise(Signal(other, Severity.Medium, new FlagEvidence("grievance:b", EvidenceSource.Grievance)));
        var first = (await FlagsOf(provisional)).Single();

        await Move(provisional);
        Assert.That(await FlagsOf(provisional), Is.Empty);
        var moved = (await FlagsOf(gln)).Single();
        Assert.That((moved.Id, moved.Version, moved.GrievanceCount), Is.EqualTo((first.Id, 2, 1)), "the same flag, its evidence and history kept");
        Assert.That(await _database.ScalarAsync<string>("SELECT scope_country FROM risk.flag WHERE id = @Id", new { first.Id }), Is.EqualTo("GH"));
        Assert.That((await HistoryOf(first.Id))[^1].Action, Is.EqualTo("re-keyed"));

        // A second registration's flag joins it: its evidence appended there, itself withdrawn as merged.
        await Move(other);
        var flags = await FlagsOf(gln);
        Assert.That(flags.Select(f => (f.Id, f.Status, f.GrievanceCount)), Is.EqualTo(new[] { (first.Id, "open", 2) }));
        var merged = (await FlagsOf(other)).Single();
        Assert.That(merged.Status, Is.EqualTo("resolved"));
        Assert.That((await HistoryOf(merged.Id))[^1], Is.EqualTo(("merged", "resolved", (string?)"withdrawn", "risk", (string?)$"re-keyed by facility:{gln}")));
    }

    [Test]
    public async Task Should_refuse_to_change_or_remove_a_step_of_the_history_for_the_service_s_own_user()
    {
        const string mill = "5012345678955";
        await Raise(Signal(mill, Severity.Low, new FlagEvidence("finding:h", EvidenceSource.Audit)));
        // The very connection string the service runs with.
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        var user = await connection.ExecuteScalarAsync<string>("SELECT current_user");
        Assert.That(user, Is.EqualTo(new NpgsqlConnectionStringBuilder(Infrastructure.ConnectionString).Username));

        var update = Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("UPDATE risk.flag_history SET actor = 'someone else'"));
        var delete = Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("DELETE FROM risk.flag_history"));
        var truncate = Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("TRUNCATE risk.flag_history"));
        Assert.That(new[] { update!.SqlState, delete!.SqlState, truncate!.SqlState }, Has.All.EqualTo(PostgresErrorCodes.InsufficientPrivilege));
        Assert.That(await _database.ScalarAsync<long>("SELECT count(*) FROM risk.flag_history WHERE actor = 'risk'"), Is.GreaterThanOrEqualTo(1));
    }
}
