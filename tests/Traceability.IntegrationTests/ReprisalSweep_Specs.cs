using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Traceability.Contracts.Grievances;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Features.EvaluateFacility;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.IntegrationTests;

/// <summary>
/// Silence raises no event, so only the reprisal sweep can see it: Risk as a process keeps a site's grievances and the
/// acknowledgement (too recent for silence to count), then the sweep, on a clock the test moves, runs on Risk's database.
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_the_reprisal_sweep_runs_on_a_clock_the_test_moves
{
    private static readonly DateTime AcknowledgedAt = DateTime.UtcNow;
    private const string Gln = "4701234500047";
    private RiskAlone _platform = null!;
    private OutboxSignal _signal = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _platform = await RiskAlone.StartAsync();
        _signal = new OutboxSignal();
        var mill = Guid.NewGuid();
        await TestBus.PublishAsync(_platform.VirtualHost, new FacilityRegistered
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = AcknowledgedAt, FacilityId = mill, Revision = 1, Gln = Gln, Name = "Savar Knit Composite",
            Country = "BD", FacilityType = "factory",
        });
        // Six grievances over the 90 days before the acknowledgement: the site's own rate.
        var grievances = Enumerable.Range(1, 6).Select(i => new GrievanceFiled
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = AcknowledgedAt.AddDays(-i * 14), CaseId = Guid.NewGuid(), CaseReference = "GR-8KQ4P2",
            FacilityIds = [mill], FacilityCountry = "BD", Category = "wages-withheld", IloIndicators = [], ForcedLabourIndicator = false, Language = "bn",
            SenderPseudonym = "p_" + new string('b', 32), FiledAt = AcknowledgedAt.AddDays(-i * 14),
        }).ToArray();
        await TestBus.PublishAsync(_platform.VirtualHost, grievances);
        await TestBus.PublishAsync(_platform.VirtualHost, new GrievanceStatusChanged
        {
            EventId = Guid.NewGuid(), TenantId = "acme", OccurredAt = AcknowledgedAt, CaseId = grievances[0].CaseId, CaseReference = "GR-8KQ4P2",
            FacilityIds = [mill], PreviousStatus = "filed", Status = "acknowledged", Category = "wages-withheld",
        });
        await Probe.UntilAsync(async () => await _platform.Database.ScalarAsync<long>(
                "SELECT count(*) FROM risk.grievance_case WHERE facility_id = @Id AND acknowledged_at IS NOT NULL", new { Id = mill }) == 1,
            TimeSpan.FromSeconds(30), "Risk keeps the grievances and the acknowledgement");
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _signal?.Dispose();
        await _platform.DisposeAsync();
    }

    private Task<long> WarningsAsync() => _platform.Database.ScalarAsync<long>(
        "SELECT count(*) FROM risk.flag WHERE rule_id = 'reprisal-warning' AND subject_id = @Gln", new { Gln });

    [Test]
    public async Task Should_raise_the_warning_only_once_the_silence_is_longer_than_the_site_s_own_rate_explains()
    {
        var clock = new FakeTimeProvider(AcknowledgedAt.AddMinutes(1));
        var catalog = RuleCatalog.LoadShipped();
        var reprisal = new ReprisalRule(catalog);
        var database = new Database(Options.Create(new DatabaseOptions { Provider = "postgres", ConnectionString = _platform.Database.ConnectionString, Schema = "risk" }), _signal);
        var evaluator = new FacilityEvaluator(database, new FlagBook(database, catalog, clock), new IloIndicatorRule(catalog), reprisal, clock);
        using var sweep = new ReprisalSweep(database, evaluator, reprisal, clock, NullLogger<ReprisalSweep>.Instance);
        Assert.That(await WarningsAsync(), Is.Zero, "just acknowledged: no silence yet");

        // A week on, six in 90 days would give fewer than the 3 the rule waits for: the sweep finds nothing.
        clock.Advance(TimeSpan.FromDays(7));
        await sweep.SweepAsync(CancellationToken.None);
        Assert.That(await WarningsAsync(), Is.Zero, "a week of silence is within the site's rate");

        // The sweep on its own timer: 60 days on, no grievance came where the rate would give 4.
        // (The service starts its timer on a thread of its own: each look moves the clock one interval on, so the timer
        // fires whenever it was made.)
        await sweep.StartAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(53));
        await Probe.UntilAsync(async () =>
        {
            clock.Advance(reprisal.SweepInterval);
            return await WarningsAsync() == 1;
        }, TimeSpan.FromSeconds(30), "the timer's sweep warns of the silence");
        var explanation = await _platform.Database.ScalarAsync<string>(
            "SELECT explanation FROM risk.flag WHERE rule_id = 'reprisal-warning' AND subject_id = @Gln", new { Gln });
        Assert.That(explanation, Does.Contain("Savar Knit Composite").And.Contain("6 in the 90 days before").And.Match(@"none in the 6\d days since"));

        // Later sweeps append to the open warning; they never raise a second one.
        clock.Advance(reprisal.SweepInterval);
        await sweep.SweepAsync(CancellationToken.None);
        Assert.That(await WarningsAsync(), Is.EqualTo(1));
        await sweep.StopAsync(CancellationToken.None);
    }
}
