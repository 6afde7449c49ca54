using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Traceability.IntegrationTests;

/// <summary>
/// PostgreSQL stops (immediate mode, as in a crash) for about ten seconds while shipments are posted.
/// Requests meanwhile are answered 503 with Retry-After — not a 500, not a hang — and readiness says
/// not ready; afterwards the services carry on by themselves. The client resends each 503 with its
/// Idempotency-Key. Nothing acknowledged before or after the outage is lost, nothing is doubled.
/// </summary>
[TestFixture]
[Category("Fault")]
[NonParallelizable]
public class When_the_database_stops_while_shipments_are_posted
{
    private const int Posters = 4;
    private const int Exporters = 3;
    // Paced (about 80 shipments/s) so that posting spans the outage without flooding the restart.
    private static readonly TimeSpan PostInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    [Test]
    public async Task Should_answer_503_meanwhile_and_lose_and_double_nothing()
    {
        await using var platform = await Platform.StartAsync();
        var (database, provenance, risk) = (platform.Database, platform.Provenance, platform.Risk!);
        var exporters = new List<ExporterKey>();
        for (var i = 0; i < Exporters; i++)
        {
            exporters.Add(await ProvenanceAdmin.OnboardAsync(provenance, $"exporter-{i}"));
        }

        var accepted = new ConcurrentDictionary<string, Accepted>();
        var unavailable = new ConcurrentBag<Post>();
        var unavailableMs = new ConcurrentBag<double>();
        var otherAnswers = new ConcurrentBag<string>();
        var withoutRetryAfter = 0;
        var posting = true;
        var next = -1;
        var clock = Stopwatch.StartNew();

        async Task<HttpResponseMessage> SendAsync(Post post)
        {
            var request = When_an_exporter_records_shipments.Post(post.Exporter, post.Body);
            request.Headers.Add("Idempotency-Key", post.IdempotencyKey);
            return await provenance.Http.SendAsync(request);
        }

        async Task<bool> AcceptedAsync(Post post, HttpResponseMessage response)
        {
            if (response.StatusCode != HttpStatusCode.Created)
            {
                return false;
            }
            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            accepted[post.IdempotencyKey] = new Accepted(id, post.Exporter.ExporterId, post.Listed, response.Headers.Contains("Idempotent-Replayed"));
            return true;
        }

        async Task PostAsync()
        {
            using var pace = new PeriodicTimer(PostInterval);
            while (Volatile.Read(ref posting))
            {
                await pace.WaitForNextTickAsync();
                var n = Interlocked.Increment(ref next);
                var listed = n % 3 == 0;
                var post = new Post(exporters[n % Exporters], When_an_exporter_records_shipments.Shipment(listed ? "Cocoa" : "Coffee", listed ? "CI" : "DE"),
                    Guid.NewGuid().ToString(), listed);
                var sent = Stopwatch.StartNew();
                try
                {
                    using var response = await SendAsync(post);
                    if (await AcceptedAsync(post, response))
                    {
                        continue;
                    }
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable
                        && response.Content.Headers.ContentType?.MediaType == "application/problem+json")
                    {
                        unavailableMs.Add(sent.Elapsed.TotalMilliseconds);
                        unavailable.Add(post);
                        if (response.Headers.RetryAfter?.Delta is not { TotalSeconds: > 0 })
                        {
                            Interlocked.Increment(ref withoutRetryAfter);
                        }
                    }
                    else
                    {
                        otherAnswers.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    otherAnswers.Add($"{exception.GetType().Name} after {sent.Elapsed.TotalSeconds:F1} s: {exception.Message}");
                }
            }
        }

        async Task<bool> ReadyAsync(ServiceProcess service)
        {
            using var ready = await service.Http.GetAsync("health/ready");
            return ready.StatusCode == HttpStatusCode.OK;
        }

        var chaos = new List<string>();
        var acceptedBefore = 0;
        var databaseDown = false;
        async Task ChaosAsync()
        {
            try
            {
                await Probe.UntilAsync(() => Task.FromResult(accepted.Count >= 100), TimeSpan.FromSeconds(60), "100 shipments are accepted");
                // Risk is frozen for a moment first, so that it certainly holds deliveries when the database goes:
                // its consumers must then ride out the outage instead of sending those messages to _error.
                await risk.FreezeAsync();
                var acceptedAtFreeze = accepted.Count;
                await Probe.UntilAsync(async () => accepted.Count >= acceptedAtFreeze + 40
                    && await database.ScalarAsync<long>("SELECT count(*) FROM provenance.outbox_message WHERE sent_at IS NULL") == 0,
                    TimeSpan.FromSeconds(60), "40 more shipments are accepted and relayed to the frozen Risk's queue");
                var evaluatedAtStop = await database.ScalarAsync<long>("SELECT count(*) FROM risk.shipment_evaluation");
                databaseDown = true;
                await Infrastructure.RunInfraAsync("pg-stop");
                var stoppedAt = clock.Elapsed;
                acceptedBefore = accepted.Count;
                await risk.ThawAsync();
                chaos.Add($"PostgreSQL stopped (immediate) at {stoppedAt.TotalSeconds:F1} s after {acceptedBefore} accepted, "
                    + $"{evaluatedAtStop} evaluated: Risk (frozen until then) holds {acceptedBefore - evaluatedAtStop} messages to consume");
                await Probe.UntilAsync(async () => !await ReadyAsync(provenance) && !await ReadyAsync(risk), TimeSpan.FromSeconds(30),
                    "Provenance and Risk report not ready");
                chaos.Add($"Provenance and Risk not ready (503) at {clock.Elapsed.TotalSeconds:F1} s");
                // The outage itself: held for a while on purpose, with clients posting all along.
                var left = Outage - (clock.Elapsed - stoppedAt);
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left);
                }
                var acceptedDuring = accepted.Count - acceptedBefore;
                await Infrastructure.RunInfraAsync("pg-start");
                databaseDown = false;
                // The test's own pooled connections died with the server.
                NpgsqlConnection.ClearAllPools();
                var startedAt = clock.Elapsed;
                chaos.Add($"PostgreSQL started again at {startedAt.TotalSeconds:F1} s ({(startedAt - stoppedAt).TotalSeconds:F1} s down; {acceptedDuring} accepted while it was down)");
                await Probe.UntilAsync(async () => await ReadyAsync(provenance) && await ReadyAsync(risk), TimeSpan.FromSeconds(30),
                    "Provenance and Risk are ready again");
                var acceptedAtReady = accepted.Count;
                chaos.Add($"Provenance and Risk ready again at {clock.Elapsed.TotalSeconds:F1} s");
                await Probe.UntilAsync(() => Task.FromResult(accepted.Count >= acceptedAtReady + 100), TimeSpan.FromSeconds(60),
                    "100 more shipments are accepted after the outage");
            }
            finally
            {
                Volatile.Write(ref posting, false);
                if (databaseDown)
                {
                    // Failing half-way must not leave every later test without its database.
                    await Infrastructure.RunInfraAsync("pg-start");
                    NpgsqlConnection.ClearAllPools();
                }
            }
        }

        await Task.WhenAll(Task.WhenAll(Enumerable.Range(0, Posters).Select(_ => Task.Run(PostAsync))), Task.Run(ChaosAsync));

        // The client comes back to every 503 with the same request and Idempotency-Key.
        var resentReplayed = 0;
        foreach (var post in unavailable)
        {
            using var response = await SendAsync(post);
            if (!await AcceptedAsync(post, response))
            {
                otherAnswers.Add($"resent {post.IdempotencyKey}: {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            else if (accepted[post.IdempotencyKey].Replayed)
            {
                resentReplayed++;
            }
        }

        var (evaluated, flagged, stored, redelivered, duplicates, _) =
            await SettledShipments.AwaitAsync(database, platform.VirtualHost, accepted.Count, TimeSpan.FromMinutes(1));
        var acceptedIds = accepted.Values.Select(a => a.Id).ToList();
        var chains = new Dictionary<string, JsonElement>();
        foreach (var exporter in exporters)
        {
            using var verify = await provenance.Http.SendAsync(When_an_exporter_records_shipments.Get(exporter, "api/v1/chain/verify"));
            chains[exporter.ExporterId] = await verify.Content.ReadFromJsonAsync<JsonElement>();
        }

        var latencies = unavailableMs.Order().ToList();
        foreach (var line in chaos)
        {
            Figures.Report(line);
        }
        Figures.Report($"{accepted.Count - unavailable.Count} posts accepted at once (201), {unavailable.Count} answered 503 with Retry-After "
            + (latencies.Count > 0 ? $"(median {latencies[latencies.Count / 2]:F0} ms, slowest {latencies[^1]:F0} ms), " : "")
            + $"{otherAnswers.Count} other answers; the {unavailable.Count} resent with the same Idempotency-Key: all accepted, {resentReplayed} of them answered from the idempotency store");
        Figures.Report($"{stored} stored, Risk evaluated {evaluated.Values.Sum()} times for {evaluated.Count} shipments; inbox: {redelivered} redelivered, {duplicates} duplicates absorbed; "
            + $"hash chains verifying: {chains.Count(c => c.Value.GetProperty("ok").GetBoolean())} of {Exporters}");

        Assert.Multiple(() =>
        {
            Assert.That(otherAnswers, Is.Empty, "every request got 201 or 503: no 500, no hang");
            Assert.That(unavailable, Is.Not.Empty, "requests met the outage");
            Assert.That(withoutRetryAfter, Is.Zero, "every 503 says when to come back");
            Assert.That(acceptedIds.Distinct().Count(), Is.EqualTo(accepted.Count), "a resent request got its first answer, not a second shipment");
            Assert.That(stored, Is.EqualTo(accepted.Count), "every 201 is stored, once: nothing acknowledged before, during or after the outage is lost");
            Assert.That(evaluated.Keys, Is.EquivalentTo(acceptedIds), "every accepted shipment is evaluated: the relay and the consumers resumed by themselves");
            Assert.That(evaluated.Values, Has.All.EqualTo(1), "and only once");
            Assert.That(flagged, Is.EquivalentTo(accepted.Values.Where(a => a.Listed).Select(a => a.Id)), "flags match the listed shipments");
            foreach (var (exporterId, chain) in chains)
            {
                Assert.That(chain.GetProperty("ok").GetBoolean(), Is.True, $"{exporterId}'s chain: {chain.GetRawText()}");
            }
        });
    }

    private sealed record Post(ExporterKey Exporter, string Body, string IdempotencyKey, bool Listed);

    private sealed record Accepted(Guid Id, string ExporterId, bool Listed, bool Replayed);
}
