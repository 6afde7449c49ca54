using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>
/// A fixture with its own running platform (<see cref="Platform"/>) and two onboarded exporters,
/// acme and rival, each with an API key: the cast of every Provenance test.
/// </summary>
public abstract class ExportersOnAPlatform
{
    private protected Platform _platform = null!;
    private protected TestDatabase _database = null!;
    private protected TestVirtualHost _virtualHost = null!;
    private protected ServiceProcess _risk = null!;
    /// <summary>Risk's API as a platform admin (a token from the test's issuer): it sees every flag.</summary>
    private protected HttpClient _riskAsAdmin = null!;
    private protected ServiceProcess _provenance = null!;
    private protected ExporterKey _acme = null!;
    private protected ExporterKey _rival = null!;

    /// <summary>Whether the fixture needs Risk running beside Provenance.</summary>
    private protected virtual bool WithRisk => true;

    [OneTimeSetUp]
    public async Task StartPlatform()
    {
        _platform = await Platform.StartAsync(WithRisk);
        (_database, _virtualHost, _risk, _provenance) = (_platform.Database, _platform.VirtualHost, _platform.Risk!, _platform.Provenance);
        if (WithRisk)
        {
            _riskAsAdmin = TestIssuer.Shared.ClientFor(_risk, "platform-admin", [Roles.Admin]);
        }
        _acme = await ProvenanceAdmin.OnboardAsync(_provenance, "acme");
        _rival = await ProvenanceAdmin.OnboardAsync(_provenance, "rival");
        await StartedAsync();
    }

    /// <summary>More set-up once the platform and both exporters are there.</summary>
    private protected virtual Task StartedAsync() => Task.CompletedTask;

    [OneTimeTearDown]
    public async Task StopPlatform()
    {
        _riskAsAdmin?.Dispose();
        await _platform.DisposeAsync();
    }
}
