using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace Traceability.IntegrationTests;

/// <summary>
/// Nothing lost, nothing doubled: while shipments are posted (at least 1,000, and on until both
/// faults are over), the RabbitMQ node is killed with SIGKILL and restarted, then the Risk service
/// is killed with SIGKILL while it drains the backlog, and restarted. Every shipment that got a 201
/// must be evaluated exactly once.
/// </summary>
[TestFixture]
[Category("Fault")]
[NonParallelizable]
public class When_the_broker_and_Risk_are_killed_while_shipments_flow
{
    private const int MinimumShipments = 1000;
    // Posting goes on until the faults are over, so that it spans however long the broker takes to
    // restart (quorum queues recover their logs first); this only bounds it.
    private const int MaximumShipments = 6000;
    private const int Posters = 4;
    // Paced (about 100 shipments/s): Risk keeps up with it, and a backlog builds only during the outage.
    private static readonly TimeSpan PostInterval = TimeSpan.FromMilliseconds(40);

    [Test]
    public async Task Should_evaluate_every_accepted_shipment_exactly_once()
    {
        await using var platform = await Platform.StartAsync();
        var (database, virtualHost, risk, provenance) = (platform.Database, platform.VirtualHost, platform.Risk!, platform.Provenance);

        var exporters = new List<ExporterKey>();
        for (var i = 0; i < 7; i++)
        {
            exporters.Add(await ProvenanceAdmin.OnboardAsync(provenance, $"exporter-{i}"));
        }
        var accepted = new ConcurrentDictionary<Guid, bool>();
        var refused = new ConcurrentBag<string>();
        var next = -1;
        var posted = 0;
        using var chaosOver = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();

        async Task PostAsync()
        {
            using var pace = new PeriodicTimer(PostInterval);
            int n;
            while ((n = Interlocked.Increment(ref next)) < MaximumShipments && (n < MinimumShipments || !chaosOver.IsCancellationRequested))
            {
                await pace.WaitForNextTickAsync();
                Interlocked.Increment(ref posted);
                // Every third shipment is cocoa from Côte d'Ivoire (on the DOL list), the others coffee from Germany.
                var listed = n % 3 == 0;
                using var request = When_an_exporter_records_shipments.Post(exporters[n % 7],
                    When_an_exporter_records_shipments.Shipment(listed ? "Cocoa" : "Coffee", listed ? "CI" : "DE"));
                try
                {
                    using var response = await provenance.Http.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.Created)
                    {
                        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                        accepted[id] = listed;
                    }
                    else
                    {
                        refused.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    }
                }
                catch (HttpRequestException exception)
                {
                    refused.Add(exception.Message);
                }
            }
        }

        Task<long> EvaluationsAsync() => SettledShipments.EvaluationsAsync(database);

        var chaos = new ConcurrentQueue<string>();
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
            await Probe.UntilAsync(() => Task.FromResult(accepted.Count >= 200), TimeSpan.FromSeconds(60), "200 shipments are accepted");
            await Infrastructure.RunInfraAsync("rabbit-kill");
            var evaluatedAtBrokerKill = await EvaluationsAsync();
            chaos.Enqueue($"RabbitMQ killed (SIGKILL) at {clock.Elapsed.TotalSeconds:F1} s after {accepted.Count} accepted, {evaluatedAtBrokerKill} evaluated");
            // Watched while the restart runs: clients reconnect as soon as the node listens, before
            // infra.sh's own readiness checks return, and Risk must be killed while it drains the backlog.
            var restart = Task.Run(async () =>
            {
                await Infrastructure.RunInfraAsync("rabbit-start");
                chaos.Enqueue($"RabbitMQ started (infra.sh returned) at {clock.Elapsed.TotalSeconds:F1} s with {accepted.Count} accepted, {await EvaluationsAsync()} evaluated");
            });

            // More than the prefetched messages Risk may still finish after the broker died.
            await Probe.UntilAsync(async () => await EvaluationsAsync() >= evaluatedAtBrokerKill + 50, TimeSpan.FromSeconds(120),
                "Risk is consuming the backlog again", TimeSpan.FromMilliseconds(20));
            // Killed holding deliveries it has not acknowledged: frozen first, so that what the broker has handed it stays
            // unacknowledged (on a busy machine Risk can be idle between two of the relay's batches, and a kill then takes
            // nothing with it: nothing would be redelivered and the inbox would go untested).
            await risk.FreezeAsync();
            var heldAtKill = 0L;
            await Probe.UntilAsync(async () => (heldAtKill = await Infrastructure.QueueUnacknowledgedAsync(virtualHost, SettledShipments.RiskQueue)) > 0,
                TimeSpan.FromSeconds(60), "the frozen Risk holds unacknowledged deliveries", TimeSpan.FromMilliseconds(250));
            var evaluatedAtKill = await EvaluationsAsync();
            var acceptedAtKill = accepted.Count;
            var riskPid = risk.ProcessId;
            risk.Kill();
            chaos.Enqueue($"Risk (pid {riskPid}) killed (SIGKILL) at {clock.Elapsed.TotalSeconds:F1} s with {acceptedAtKill} accepted, {evaluatedAtKill} evaluated, {heldAtKill} deliveries unacknowledged");
            Assert.That(evaluatedAtKill, Is.LessThan(acceptedAtKill), "Risk was killed with work still in flight");
            await restart;
            await risk.StartAsync();
            chaos.Enqueue($"Risk (pid {risk.ProcessId}) back at {clock.Elapsed.TotalSeconds:F1} s");
        }

        await Task.WhenAll(Task.WhenAll(Enumerable.Range(0, Posters).Select(_ => Task.Run(PostAsync))), Task.Run(ChaosAsync));
        var postedIn = clock.Elapsed;

        var (evaluated, flagged, stored, redelivered, duplicates, publisherDuplicates) =
            await SettledShipments.AwaitAsync(database, virtualHost, accepted.Count, TimeSpan.FromMinutes(4));

        foreach (var line in chaos)
        {
            Figures.Report(line);
        }
        Figures.Report($"posted {posted} in {postedIn.TotalSeconds:F1} s: {accepted.Count} accepted (201), {refused.Count} refused; {stored} stored by Provenance");
        Figures.Report($"Risk evaluated {evaluated.Values.Sum()} times for {evaluated.Count} shipments; {flagged.Count} flags for {accepted.Values.Count(l => l)} listed shipments; done at {clock.Elapsed.TotalSeconds:F1} s");
        Figures.Report($"inbox: {redelivered} first deliveries marked redelivered by RabbitMQ, {duplicates} duplicate deliveries absorbed (on {publisherDuplicates} messages)");

        Assert.Multiple(() =>
        {
            Assert.That(refused, Is.Empty, "Provenance accepts shipments while the broker is down: the outbox holds them");
            Assert.That(accepted, Has.Count.EqualTo(posted));
            Assert.That(posted, Is.GreaterThanOrEqualTo(MinimumShipments));
            Assert.That(stored, Is.EqualTo(accepted.Count), "every 201 is stored, nothing else");
            Assert.That(evaluated.Keys, Is.EquivalentTo(accepted.Keys), "every accepted shipment is evaluated");
            Assert.That(evaluated.Values, Has.All.EqualTo(1), "and only once");
            Assert.That(flagged, Is.EquivalentTo(accepted.Where(a => a.Value).Select(a => a.Key)), "flags match the listed shipments");
            Assert.That(redelivered + duplicates, Is.GreaterThanOrEqualTo(1), "the crashes caused redeliveries, which the inbox absorbed");
        });
    }
}
