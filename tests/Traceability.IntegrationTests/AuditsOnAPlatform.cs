using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MassTransit;
using Traceability.Hosting;

namespace Traceability.IntegrationTests;

/// <summary>
/// One running platform (Provenance, Risk, Audits) shared by the Audits specs: a certifier, auditors registered as
/// each spec needs them, and helpers that write audits, certificates and shipments as their users would.
/// </summary>
public abstract class AuditsOnAPlatform
{
    private protected Platform _platform = null!;
    private protected TestDatabase _database = null!;
    private protected ServiceProcess _audits = null!;
    private protected HttpClient _certifier = null!;
    private protected HttpClient _riskAsAdmin = null!;
    private protected ExporterKey _acme = null!;
    private static int _nextGln;

    /// <summary>The public verification's bucket in this platform (small, so a spec can see it run out).</summary>
    private protected const int VerificationBurst = 10;

    [OneTimeSetUp]
    public async Task StartPlatform()
    {
        _platform = await Platform.StartAsync(auditsSettings: new Dictionary<string, string>
        {
            ["Certificates__VerificationBurst"] = VerificationBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Certificates__VerificationPerSecond"] = "5",
        });
        (_database, _audits) = (_platform.Database, _platform.Audits!);
        _certifier = TestIssuer.Shared.ClientFor(_audits, "certifier-1", [Roles.Certifier]);
        _riskAsAdmin = TestIssuer.Shared.ClientFor(_platform.Risk!, "platform-admin", [Roles.Admin]);
        _acme = await ProvenanceAdmin.OnboardAsync(_platform.Provenance, "acme");
    }

    [OneTimeTearDown]
    public async Task StopPlatform()
    {
        _certifier?.Dispose();
        _riskAsAdmin?.Dispose();
        await _platform.DisposeAsync();
    }

    /// <summary>A GLN no other spec uses (valid check digit).</summary>
    private protected static string NewGln()
    {
        var digits = "629104" + Interlocked.Increment(ref _nextGln).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        return digits + CheckDigit.Compute(digits);
    }

    private protected static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private protected HttpClient Auditor(string auditorId) => TestIssuer.Shared.ClientFor(_audits, $"user-{auditorId}", [Roles.Auditor], auditorId);

    /// <summary>Registers an auditor (201) with one accreditation.</summary>
    private protected async Task RegisterAuditorAsync(string id, string level = "RA", string status = "active", string scheme = "sa8000",
        string countries = "\"GH\",\"CI\"", string hsChapters = "", string validFrom = "2024-01-01", string validTo = "2030-12-31")
    {
        using var response = await _certifier.PostAsync("api/v1/auditors", Json($$"""
            {"id":"{{id}}","name":"Auditor {{id}}","firm":"Fair Audits","apscaNumber":"{{ApscaOf(id)}}","level":"{{level}}","status":"{{status}}",
             "accreditations":[{"scheme":"{{scheme}}","countries":[{{countries}}],"hsChapters":[{{hsChapters}}],"validFrom":"{{validFrom}}","validTo":"{{validTo}}"}]}
            """));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Created), await response.Content.ReadAsStringAsync());
    }

    private protected static string ApscaOf(string id) => "A" + Math.Abs(id.GetHashCode(StringComparison.Ordinal)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>An audit's JSON; <paramref name="findings"/> is the JSON array's content.</summary>
    private protected static string Audit(string gln, string findings = "", string scheme = "sa8000", string country = "GH", string start = "2026-10-12",
        string end = "2026-10-14", string type = "periodic", string? followUpOf = null, string followUps = "", string hsChapters = "", string? overallResult = "fail")
    {
        var follow = followUpOf is null ? "" : $",\"followUpOf\":\"{followUpOf}\",\"followUps\":[{followUps}]";
        var result = overallResult is null ? "" : $",\"overallResult\":\"{overallResult}\"";
        return $$"""
            {"facility":{"gln":"{{gln}}","name":"Mill {{gln}}","country":"{{country}}"},"scheme":"{{scheme}}","auditType":"{{type}}",
             "announcement":"unannounced","startDate":"{{start}}","endDate":"{{end}}","team":["Kofi"],"workersInterviewed":10,
             "headcount":{"women":50,"men":40,"migrant":5,"young":1},"hsChapters":[{{hsChapters}}]{{result}},"findings":[{{findings}}]{{follow}}}
            """;
    }

    private protected const string DocumentsRetained = """{"code":"FL-DOCUMENTS-RETAINED","description":"Passports kept in the office."}""";
    private protected const string ExcessiveOvertime = """{"code":"HR-EXCESSIVE-OVERTIME","severity":"major"}""";
    private protected const string Discrimination = """{"code":"TR-DISCRIMINATION","severity":"minor"}""";

    private protected static async Task<JsonElement> BodyAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private protected async Task<long> CountAsync(string table, string where = "1 = 1", object? parameters = null) =>
        await _database.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE {where}", parameters);

    /// <summary>Rows of Audits' outbox carrying a message of this type.</summary>
    private protected Task<long> OutboxAsync(string messageType, string? containing = null) =>
        CountAsync("audits.outbox_message", "message_type LIKE @Type AND (@Containing IS NULL OR body LIKE @Containing)",
            new { Type = $"%.{messageType},%", Containing = containing is null ? null : $"%{containing}%" });

    private protected async Task<JsonElement> FlagsAsync(string subjectType, string subjectId) =>
        (await _riskAsAdmin.GetFromJsonAsync<JsonElement>($"api/v1/flags?subjectType={subjectType}&subjectId={Uri.EscapeDataString(subjectId)}&pageSize=50"))
        .GetProperty("items");

    /// <summary>Publishes a message twice with the same message id, as a redelivery after a lost acknowledgement would bring it.</summary>
    private protected async Task PublishTwiceAsync<T>(T message, Guid messageId) where T : class
    {
        var bus = Bus.Factory.CreateUsingRabbitMq(rabbit => rabbit.Host(Infrastructure.RabbitHost, (ushort)Infrastructure.RabbitPort, _platform.VirtualHost.Name, host =>
        {
            host.Username(Infrastructure.RabbitUser);
            host.Password(Infrastructure.RabbitPassword);
        }));
        await bus.StartAsync();
        try
        {
            await bus.Publish(message, context => context.MessageId = messageId);
            await bus.Publish(message, context => context.MessageId = messageId);
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}
