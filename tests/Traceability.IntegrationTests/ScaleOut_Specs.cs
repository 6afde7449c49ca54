using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace Traceability.IntegrationTests;

/// <summary>
/// Two instances of Provenance and two of Risk share one database and one broker: Provenance's outbox
/// relays claim rows with skip-locked, Risk's instances compete for one queue. While 2,000 shipments
/// from five exporters are posted through a round-robin balancer, one Provenance instance is killed
/// (SIGKILL) and one Risk instance is frozen holding deliveries, then killed. Clients resend what
/// failed with the same Idempotency-Key. Every accepted shipment must be stored and evaluated exactly
/// once, and every exporter's hash chain must still verify.
/// </summary>
[TestFixture]
[Category("Fault")]
[NonParallelizable]
public class When_two_instances_of_each_service_share_the_work_and_one_of_each_dies
{
    // Posting goes on until the kills are over (at least MinimumShipments, at most MaximumShipments): a frozen Risk instance
    // must see the other evaluate on, which needs shipments still coming. With a fixed 2,000, a quiet machine could post
    // them all before the broker's statistics let the freeze happen, and the other instance then had nothing left to do.
    private const int MinimumShipments = 2000;
    private const int MaximumShipments = 6000;
    private const int Exporters = 5;
    private const int Posters = 8;

    [Test]
    public async Task Should_evaluate_every_accepted_shipment_exactly_once_and_keep_every_chain_whole()
    {
        // The per-key rate limit is per instance and not what this test is about.
        await using var platform = await Platform.StartAsync(instances: 2, provenanceSettings: new Dictionary<string, string>
        {
            ["RateLimit__Burst"] = "100000",
            ["RateLimit__PerSecond"] = "100000",
        });
        var database = platform.Database;
        var (provenance, risk) = (platform.ProvenanceInstances, platform.RiskInstances);

        var exporters = new List<ExporterKey>();
        for (var i = 0; i < Exporters; i++)
        {
            // Onboarded through either instance: keys are in the shared database, so each instance accepts them.
            exporters.Add(await ProvenanceAdmin.OnboardAsync(provenance[i % provenance.Count], $"exporter-{i}"));
        }
        var balancer = new RoundRobin(provenance);
        var accepted = new ConcurrentDictionary<int, Accepted>();
        var refused = new ConcurrentBag<string>();
        int next = -1, posted = 0, resent = 0, replayed = 0;
        using var chaosOver = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();

        async Task PostAsync()
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < MaximumShipments && (n < MinimumShipments || !chaosOver.IsCancellationRequested))
            {
                Interlocked.Increment(ref posted);
                // Every third shipment is cocoa from Côte d'Ivoire (on the DOL list), the others coffee from Germany.
                var listed = n % 3 == 0;
                var exporter = exporters[n % Exporters];
                var body = When_an_exporter_records_shipments.Shipment(listed ? "Cocoa" : "Coffee", listed ? "CI" : "DE");
                var idempotencyKey = Guid.NewGuid().ToString();
                for (var attempt = 1; ; attempt++)
                {
                    var instance = balancer.Next();
                    using var request = When_an_exporter_records_shipments.Post(exporter, body);
                    request.Headers.Add("Idempotency-Key", idempotencyKey);
                    try
                    {
                        using var response = await instance.Http.SendAsync(request);
                        if (response.StatusCode == HttpStatusCode.Created)
                        {
                            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                            accepted[n] = new Accepted(id, exporter.ExporterId, listed);
                            if (response.Headers.Contains("Idempotent-Replayed"))
                            {
                                Interlocked.Increment(ref replayed);
                            }
                        }
                        else
                        {
                            refused.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                        }
                        break;
                    }
                    catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && attempt < 5)
                    {
                        // The instance died under the request: the balancer takes it out of rotation and
                        // the client sends the very same request again, as a real client would.
                        balancer.TakeOut(instance, $"{instance.BaseAddress}: {exception.GetType().Name}: {exception.Message} {exception.InnerException?.Message}");
                        Interlocked.Increment(ref resent);
                    }
                }
            }
        }

        Task<long> EvaluationsAsync() => SettledShipments.EvaluationsAsync(database);

        var chaos = new List<string>();
        long consumersBefore = 0, consumersAfter = 0;
        async Task ChaosAsync()
        {
            try
            {
                await FaultsAsync();
            }
            finally
            {
                await chaosOver.CancelAsync();
            }
        }

        async Task FaultsAsync()
        {
            await Probe.UntilAsync(() => Task.FromResult(accepted.Count >= 400), TimeSpan.FromSeconds(60), "400 shipments are accepted");
            // A quorum queue's consumer count reaches the management API with its first statistics, a
            // few seconds after the queue starts: read it once it counts every Risk instance.
            await Probe.UntilAsync(async () => (consumersBefore = await Infrastructure.QueueConsumersAsync(platform.VirtualHost, SettledShipments.RiskQueue)) == risk.Count,
                TimeSpan.FromSeconds(30), "the broker counts a consumer per Risk instance");
            var killedProvenance = provenance[0].ProcessId;
            provenance[0].Kill();
            chaos.Add($"Provenance instance 1 (pid {killedProvenance}) killed (SIGKILL) at {clock.Elapsed.TotalSeconds:F1} s after {accepted.Count} accepted");

            await Probe.UntilAsync(() => Task.FromResult(accepted.Count >= 1000), TimeSpan.FromSeconds(60), "1,000 shipments are accepted");
            // Frozen first, so that the kill certainly lands on deliveries it holds unacknowledged: the broker
            // goes on filling its prefetch while the other instance does all the evaluating.
            var evaluatedAtFreeze = await EvaluationsAsync();
            await risk[0].FreezeAsync();
            await Probe.UntilAsync(async () => await EvaluationsAsync() >= evaluatedAtFreeze + 100, TimeSpan.FromSeconds(60),
                "the other Risk instance evaluates on while the first is frozen", TimeSpan.FromMilliseconds(20));
            var killedRisk = risk[0].ProcessId;
            var (acceptedAtKill, evaluatedAtKill) = (accepted.Count, await EvaluationsAsync());
            risk[0].Kill();
            chaos.Add($"Risk instance 1 (pid {killedRisk}) frozen (SIGSTOP) with {evaluatedAtFreeze} evaluated, killed (SIGKILL) at {clock.Elapsed.TotalSeconds:F1} s with {acceptedAtKill} accepted, {evaluatedAtKill} evaluated");
            await Probe.UntilAsync(async () => (consumersAfter = await Infrastructure.QueueConsumersAsync(platform.VirtualHost, SettledShipments.RiskQueue)) == consumersBefore - 1,
                TimeSpan.FromSeconds(30), "the broker has dropped the killed Risk instance's consumer");
        }

        await Task.WhenAll(Task.WhenAll(Enumerable.Range(0, Posters).Select(_ => Task.Run(PostAsync))), Task.Run(ChaosAsync));
        var postedIn = clock.Elapsed;

        var (evaluated, flagged, stored, redelivered, duplicates, _) =
            await SettledShipments.AwaitAsync(database, platform.VirtualHost, accepted.Count, TimeSpan.FromMinutes(2));
        var acceptedIds = accepted.Values.Select(a => a.Id).ToList();

        // Each exporter's chain, verified through the surviving instance.
        var chains = new Dictionary<string, JsonElement>();
        foreach (var exporter in exporters)
        {
            using var verify = await provenance[1].Http.SendAsync(When_an_exporter_records_shipments.Get(exporter, "api/v1/chain/verify"));
            chains[exporter.ExporterId] = await verify.Content.ReadFromJsonAsync<JsonElement>();
        }
        var whole = chains.Count(c => c.Value.GetProperty("ok").GetBoolean());

        foreach (var line in chaos)
        {
            Figures.Report(line);
        }
        Figures.Report($"2 Provenance + 2 Risk instances; posted {posted} shipments from {Exporters} exporters in {postedIn.TotalSeconds:F1} s: "
            + $"{accepted.Count} accepted (201), {refused.Count} refused; {resent} resent by clients after the kill (same Idempotency-Key), "
            + $"{replayed} of them answered from the idempotency store; {stored} stored");
        Figures.Report($"Risk evaluated {evaluated.Values.Sum()} times for {evaluated.Count} shipments; inbox: {redelivered} redelivered by RabbitMQ, "
            + $"{duplicates} duplicate deliveries absorbed; queue consumers {consumersBefore} before the kills, {consumersAfter} after; done at {clock.Elapsed.TotalSeconds:F1} s");
        Figures.Report($"hash chains: {whole} of {Exporters} verify ({string.Join(", ", chains.Select(c => $"{c.Key} {c.Value.GetProperty("links").GetInt64()} links"))})");

        Assert.Multiple(() =>
        {
            Assert.That(consumersBefore, Is.EqualTo(2), "both Risk instances consumed from the one queue");
            Assert.That(refused, Is.Empty);
            Assert.That(posted, Is.GreaterThanOrEqualTo(MinimumShipments));
            Assert.That(accepted, Has.Count.EqualTo(posted), "every shipment was accepted in the end");
            Assert.That(acceptedIds.Distinct().Count(), Is.EqualTo(posted), "a resent request got its first answer, not a second shipment");
            Assert.That(stored, Is.EqualTo(posted), "every 201 is stored, once");
            Assert.That(evaluated.Keys, Is.EquivalentTo(acceptedIds), "every accepted shipment is evaluated");
            Assert.That(evaluated.Values, Has.All.EqualTo(1), "and only once");
            Assert.That(flagged, Is.EquivalentTo(accepted.Values.Where(a => a.Listed).Select(a => a.Id)), "flags match the listed shipments");
            Assert.That(redelivered + duplicates, Is.GreaterThanOrEqualTo(1), "the killed Risk instance's deliveries went to the other, whose inbox took them");
            foreach (var (exporterId, chain) in chains)
            {
                Assert.That(chain.GetProperty("ok").GetBoolean(), Is.True, $"{exporterId}'s chain: {chain.GetRawText()}");
                Assert.That(chain.GetProperty("links").GetInt64(), Is.EqualTo(accepted.Values.Count(a => a.ExporterId == exporterId)),
                    $"{exporterId}'s chain has one link per accepted shipment");
            }
        });
    }

    private sealed record Accepted(Guid Id, string ExporterId, bool Listed);

    /// <summary>A load balancer in front of the instances: round robin, and an instance that failed a request is taken out.</summary>
    private sealed class RoundRobin(IReadOnlyList<ServiceProcess> instances)
    {
        private readonly ConcurrentDictionary<ServiceProcess, string> _out = new();
        private int _next = -1;

        public ServiceProcess Next()
        {
            var live = instances.Where(i => !_out.ContainsKey(i)).ToList();
            return live.Count > 0
                ? live[(int)((uint)Interlocked.Increment(ref _next) % (uint)live.Count)]
                : throw new InvalidOperationException($"Every instance has been taken out of rotation: {string.Join("; ", _out.Values)}");
        }

        public void TakeOut(ServiceProcess instance, string why) => _out.TryAdd(instance, why);
    }
}
