using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Provenance.Exporters;
using Traceability.Provenance.Features.ManageExporters;

namespace Traceability.IntegrationTests;

/// <summary>
/// A verified key is cached per instance so that a busy exporter costs no database read per request. Two instances
/// over one database, on one clock: revocation bites at once where it was made, and on the other instance once its
/// cached answer is <see cref="ExporterKeys.CacheFor"/> old (README, "More than one instance").
/// </summary>
[TestFixture]
[Category("Integration")]
public class When_a_key_is_revoked_through_another_instance
{
    private TestDatabase _database = null!;
    private OutboxSignal _signal = null!;
    private Database _data = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _database = await Infrastructure.CreateDatabaseAsync();
        await SchemaMigrations.ApplyAsync(PostgresDialect.Instance, _database.ConnectionString, "provenance", typeof(ExporterKeys).Assembly, NullLogger.Instance);
        _signal = new OutboxSignal();
        _data = new Database(Options.Create(new DatabaseOptions { Provider = "postgres", ConnectionString = _database.ConnectionString, Schema = "provenance" }), _signal);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _signal.Dispose();
        await _database.DisposeAsync();
    }

    [Test]
    public async Task Should_be_refused_there_at_once_and_by_the_other_instance_once_its_cache_expires()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var here = new ExporterKeys(_data, clock);
        var there = new ExporterKeys(_data, clock);
        var accounts = new ExporterAccounts(_data, here, clock);
        await accounts.CreateAsync(new CreateExporterRequest("revoking", "Revoking Ltd"), CancellationToken.None);
        var issued = (await accounts.IssueKeyAsync("revoking", null, CancellationToken.None))!;
        Assert.That(await here.FindAsync(issued.Key, CancellationToken.None), Is.Not.Null);
        Assert.That(await there.FindAsync(issued.Key, CancellationToken.None), Is.Not.Null, "the other instance verifies and caches the key");

        Assert.That(await accounts.RevokeKeyAsync("revoking", issued.KeyId, CancellationToken.None), Is.True);

        Assert.That(await here.FindAsync(issued.Key, CancellationToken.None), Is.Null, "the instance that revoked refuses at once");
        clock.Advance(ExporterKeys.CacheFor - TimeSpan.FromMilliseconds(1));
        Assert.That(await there.FindAsync(issued.Key, CancellationToken.None), Is.Not.Null, "within the window the other instance still answers from its cache");
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.That(await there.FindAsync(issued.Key, CancellationToken.None), Is.Null, $"{ExporterKeys.CacheFor.TotalSeconds:F0} s after it verified the key, the other instance refuses it too");
    }
}
