using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Traceability.Tests;

/// <summary>
/// The Kubernetes manifests (infra/k8s, rendered by <c>kubectl kustomize</c>) and docker-compose.yml
/// (normalised by <c>docker-compose config</c>) deploy every service under services/ with its
/// probes, ports and secrets, and the topology step before the services.
/// </summary>
[TestFixture]
public class When_the_platform_is_deployed
{
    private static readonly Dictionary<string, int> ComposePorts = new()
    {
        ["Portal"] = 5100, ["Provenance"] = 5101, ["Audits"] = 5102, ["Grievances"] = 5103, ["Risk"] = 5104, ["Identity"] = 5105,
    };

    private static readonly string[] SecretKeys = ["connection-string", "rabbitmq-username", "rabbitmq-password", "admin-api-key", "portal-client-secret",
        "grievances-privacy-key", "grievances-pseudonym-key", "identity-signing-key"];

    /// <summary>Every deployable service: a folder under services/ (a new one must join the manifests).</summary>
    private static IEnumerable<string> Services() =>
        Directory.GetDirectories(Path.Combine(RepositoryFiles.Root, "services")).Select(Path.GetFileName).OfType<string>().Order();

    [Test]
    public void Should_know_the_four_services()
    {
        Assert.That(Services(), Is.SupersetOf(new[] { "Audits", "Grievances", "Provenance", "Risk" }));
    }

    [TestCase("infra/k8s", "postgres")]
    [TestCase("infra/k8s/overlays/postgres", "postgres")]
    [TestCase("infra/k8s/overlays/sqlserver", "sqlserver")]
    public void Should_render_a_deployment_and_a_service_per_service_on_Kubernetes(string kustomization, string provider)
    {
        var resources = Documents(Run("kubectl", "kubernetes-client", new Dictionary<string, string>(), "kustomize", kustomization));

        var config = Single(resources, "ConfigMap", "traceability-config")["data"]!;
        Assert.That((string?)config["Database__Provider"], Is.EqualTo(provider));
        Assert.That((string?)config["RabbitMq__Host"], Is.Not.Empty);
        foreach (var service in Services())
        {
            var name = service.ToLowerInvariant();
            var deployment = Single(resources, "Deployment", name);
            var pod = deployment["spec"]!["template"]!["spec"]!;
            var container = pod["containers"]!.AsArray().Single()!;
            var http = container["ports"]!.AsArray().Single(p => (string?)p!["name"] == "http")!;
            var kubernetesService = Single(resources, "Service", name);
            var servicePort = kubernetesService["spec"]!["ports"]!.AsArray().Single()!;
            Assert.Multiple(() =>
            {
                Assert.That((string?)deployment["spec"]!["replicas"], Is.EqualTo("2"), $"{name} replicas");
                Assert.That((string?)container["image"], Does.StartWith($"traceability/{name}:"));
                Assert.That((string?)http["containerPort"], Is.EqualTo("8080"), $"{name} port");
                Assert.That(Probe(container, "readinessProbe"), Is.EqualTo("/health/ready http"), $"{name} readiness");
                Assert.That(Probe(container, "livenessProbe"), Is.EqualTo("/health/live http"), $"{name} liveness");
                Assert.That(ConfigMaps(container), Is.EquivalentTo(new[] { "traceability-config" }));
                Assert.That(SecretRefs(container), Is.SupersetOf(new Dictionary<string, string>
                {
                    ["ConnectionStrings__Traceability"] = "connection-string",
                    ["RabbitMq__Username"] = "rabbitmq-username",
                    ["RabbitMq__Password"] = "rabbitmq-password",
                }), $"{name} secrets");
                Assert.That((string?)kubernetesService["spec"]!["selector"]!["app.kubernetes.io/name"], Is.EqualTo(name));
                Assert.That((string?)servicePort["targetPort"], Is.EqualTo("http"));
            });
        }
        Assert.That(SecretRefs(Container(Single(resources, "Deployment", "provenance")))["Admin__ApiKey"], Is.EqualTo("admin-api-key"));
        Assert.That(SecretRefs(Container(Single(resources, "Deployment", "portal")))["Portal__ClientSecret"], Is.EqualTo("portal-client-secret"));
        Assert.That(AllSecretNames(resources), Is.EquivalentTo(new[] { "traceability-secrets" }), "one Secret, created by the operator, never rendered");
        Assert.That(AllSecretKeys(resources), Is.SubsetOf(SecretKeys));
        Assert.That(resources.Where(r => (string?)r["kind"] == "Secret"), Is.Empty, "no secret value is kept in the repository");

        var job = Single(resources, "Job", "traceability-topology");
        var topology = job["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single()!;
        Assert.Multiple(() =>
        {
            Assert.That((string?)topology["image"], Does.StartWith("traceability/topology:"));
            Assert.That(ConfigMaps(topology), Is.EquivalentTo(new[] { "traceability-config" }));
            Assert.That(SecretRefs(topology).Keys, Is.SupersetOf(new[] { "ConnectionStrings__Traceability", "RabbitMq__Username", "RabbitMq__Password" }));
        });
    }

    [Test]
    public void Should_start_every_service_of_docker_compose_after_the_topology_step()
    {
        var environment = new Dictionary<string, string> { ["MSSQL_SA_PASSWORD"] = "Test!Passw0rd", ["ADMIN_API_KEY"] = new string('k', 40), ["PORTAL_CLIENT_SECRET"] = new string('p', 40) };
        var compose = Documents(Run("docker-compose", "docker-compose", environment, "-f", "docker-compose.yml", "config")).Single()["services"]!;

        var topology = compose["topology"]!;
        Assert.Multiple(() =>
        {
            Assert.That((string?)topology["build"]!["target"], Is.EqualTo("topology"));
            Assert.That((string?)topology["depends_on"]!["rabbitmq"]!["condition"], Is.EqualTo("service_healthy"));
            Assert.That((string?)topology["restart"], Is.EqualTo("no"), "it runs once");
            Assert.That((string?)topology["environment"]!["RabbitMq__Host"], Is.EqualTo("rabbitmq"));
        });
        foreach (var service in Services())
        {
            var entry = compose[service.ToLowerInvariant()];
            Assert.That(entry, Is.Not.Null, $"{service} is in docker-compose.yml");
            var port = entry!["ports"]!.AsArray().Single()!;
            Assert.Multiple(() =>
            {
                Assert.That((string?)entry["depends_on"]!["topology"]!["condition"], Is.EqualTo("service_completed_successfully"), service);
                Assert.That((string?)entry["depends_on"]!["rabbitmq"]!["condition"], Is.EqualTo("service_healthy"), service);
                Assert.That((string?)entry["build"]!["args"]!["SERVICE"], Is.EqualTo(service));
                Assert.That(string.Join(' ', entry["healthcheck"]!["test"]!.AsArray().Select(t => (string?)t)), Does.Contain("GET /health/ready"));
                Assert.That((string?)port["target"], Is.EqualTo("8080"));
                Assert.That((string?)port["published"], Is.EqualTo(ComposePorts.GetValueOrDefault(service).ToString(System.Globalization.CultureInfo.InvariantCulture)), service);
                Assert.That((string?)entry["environment"]!["Database__Provider"], Is.EqualTo("sqlserver"));
            });
        }
    }

    private static JsonNode Container(JsonNode deployment) => deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray().Single()!;

    private static string Probe(JsonNode container, string probe) =>
        $"{(string?)container[probe]?["httpGet"]?["path"]} {(string?)container[probe]?["httpGet"]?["port"]}";

    private static IEnumerable<string?> ConfigMaps(JsonNode container) =>
        container["envFrom"]!.AsArray().Select(e => (string?)e!["configMapRef"]?["name"]);

    private static Dictionary<string, string> SecretRefs(JsonNode container) =>
        container["env"]!.AsArray()
            .Where(e => e!["valueFrom"]?["secretKeyRef"] is not null)
            .ToDictionary(e => (string)e!["name"]!, e => (string)e!["valueFrom"]!["secretKeyRef"]!["key"]!);

    private static IEnumerable<JsonNode> SecretKeyRefs(IEnumerable<JsonNode> resources) =>
        resources.Where(r => r["spec"]?["template"] is not null)
            .SelectMany(r => r["spec"]!["template"]!["spec"]!["containers"]!.AsArray())
            .SelectMany(c => c!["env"]?.AsArray() ?? [])
            .Select(e => e!["valueFrom"]?["secretKeyRef"])
            .OfType<JsonNode>();

    private static IEnumerable<string?> AllSecretNames(IEnumerable<JsonNode> resources) =>
        SecretKeyRefs(resources).Select(r => (string?)r["name"]).Distinct();

    private static IEnumerable<string?> AllSecretKeys(IEnumerable<JsonNode> resources) =>
        SecretKeyRefs(resources).Select(r => (string?)r["key"]).Distinct();

    private static JsonNode Single(IEnumerable<JsonNode> resources, string kind, string name)
    {
        var matches = resources.Where(r => (string?)r["kind"] == kind && (string?)r["metadata"]?["name"] == name).ToList();
        Assert.That(matches, Has.Count.EqualTo(1), $"one {kind} named {name}");
        return matches[0];
    }

    /// <summary>Every YAML document of the output, as JSON (scalars stay strings).</summary>
    private static List<JsonNode> Documents(string yaml)
    {
        var deserializer = new DeserializerBuilder().Build();
        var json = new SerializerBuilder().JsonCompatible().Build();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        var documents = new List<JsonNode>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (deserializer.Deserialize(parser) is { } document)
            {
                documents.Add(JsonNode.Parse(json.Serialize(document))!);
            }
        }
        return documents;
    }

    /// <summary>Runs a deployment tool from the repository root; a missing tool fails the test, never skips it.</summary>
    private static string Run(string tool, string debianPackage, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            WorkingDirectory = RepositoryFiles.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception exception)
        {
            Assert.Fail($"'{tool}' cannot be run ({exception.Message}): infra/local/infra.sh start installs it (Debian package {debianPackage}).");
            throw;
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, $"{tool} {string.Join(' ', arguments)} failed:\n{error.Result}");
            return output;
        }
    }
}
