namespace Traceability.IntegrationTests;

/// <summary>
/// A fixture's own running platform: a fresh database and virtual host, Risk (first, so its queues
/// are bound before anything is published) and Provenance as processes. Disposed in reverse.
/// </summary>
internal sealed class Platform : IAsyncDisposable
{
    private Platform(TestDatabase database, TestVirtualHost virtualHost)
    {
        Database = database;
        VirtualHost = virtualHost;
    }

    public TestDatabase Database { get; }
    public TestVirtualHost VirtualHost { get; }
    public ServiceProcess? Risk { get; private set; }
    public ServiceProcess Provenance { get; private set; } = null!;

    public static async Task<Platform> StartAsync(bool withRisk = true, IDictionary<string, string>? provenanceSettings = null)
    {
        var platform = new Platform(await Infrastructure.CreateDatabaseAsync(), await Infrastructure.CreateVirtualHostAsync());
        if (withRisk)
        {
            platform.Risk = await ServiceProcess.StartAsync("Risk", platform.Database, platform.VirtualHost);
        }
        platform.Provenance = await ServiceProcess.StartAsync("Provenance", platform.Database, platform.VirtualHost, provenanceSettings);
        return platform;
    }

    public async ValueTask DisposeAsync()
    {
        if (Provenance is not null)
        {
            await Provenance.DisposeAsync();
        }
        if (Risk is not null)
        {
            await Risk.DisposeAsync();
        }
        await Database.DisposeAsync();
        await VirtualHost.DisposeAsync();
    }
}
