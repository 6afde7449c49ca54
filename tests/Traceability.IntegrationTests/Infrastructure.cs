using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Traceability.IntegrationTests;

/// <summary>
/// The real PostgreSQL and RabbitMQ that infra/local/infra.sh started, as its <c>env</c> command
/// describes them. Each fixture gets a database and a virtual host of its own, dropped afterwards,
/// so tests never see each other's rows or messages.
/// </summary>
internal static class Infrastructure
{
    public static string ConnectionString => Required("ConnectionStrings__Traceability");
    public static string RabbitHost => Required("RabbitMq__Host");
    public static int RabbitPort => int.Parse(Required("RabbitMq__Port"), System.Globalization.CultureInfo.InvariantCulture);
    public static string RabbitUser => Required("RabbitMq__Username");
    public static string RabbitPassword => Required("RabbitMq__Password");
    public static int ManagementPort => int.Parse(Required("TRACEABILITY_RABBIT_MGMT_PORT"), System.Globalization.CultureInfo.InvariantCulture);
    public static string InfraScript => Required("TRACEABILITY_INFRA_SCRIPT");

    public static string RepositoryRoot { get; } = FindRoot();

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set: run the integration tests through infra/local/test.sh, or eval \"$(infra/local/infra.sh env)\" first.");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Traceability.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("No Traceability.sln above the test assembly.");
    }

    /// <summary>A fresh, empty database; dropped on dispose.</summary>
    public static async Task<TestDatabase> CreateDatabaseAsync()
    {
        var name = "test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var admin = new NpgsqlConnection(ConnectionString))
        {
            await admin.ExecuteAsync($"CREATE DATABASE {name}");
        }
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name };
        return new TestDatabase(name, builder.ConnectionString);
    }

    /// <summary>A fresh RabbitMQ virtual host the test user may use; deleted on dispose.</summary>
    public static async Task<TestVirtualHost> CreateVirtualHostAsync()
    {
        var name = "test-" + Guid.NewGuid().ToString("N")[..16];
        using var http = Management();
        (await http.PutAsync($"api/vhosts/{name}", Json("{}"))).EnsureSuccessStatusCode();
        (await http.PutAsync($"api/permissions/{name}/{RabbitUser}", Json("{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}"))).EnsureSuccessStatusCode();
        return new TestVirtualHost(name);
    }

    internal static HttpClient Management()
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ManagementPort}/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RabbitUser}:{RabbitPassword}")));
        return http;
    }

    /// <summary>Runs an infra.sh command (rabbit-kill, pg-stop...) against this run's own infrastructure.</summary>
    public static async Task RunInfraAsync(string command)
    {
        var start = new ProcessStartInfo("bash") { ArgumentList = { InfraScript, command }, RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.Zero, $"infra.sh {command} failed: {await output}");
    }

    /// <summary>Messages in a queue (ready and unacknowledged), as the management API last sampled them.</summary>
    public static Task<long> QueueDepthAsync(TestVirtualHost virtualHost, string queue) =>
        QueueFigureAsync(virtualHost, queue, "messages", whenMissing: long.MaxValue);

    /// <summary>
    /// Messages a queue has delivered to its consumers that they have not acknowledged yet, as the management API last sampled
    /// them (every few seconds: read it while the consumers are frozen, when the figure cannot fall).
    /// </summary>
    public static Task<long> QueueUnacknowledgedAsync(TestVirtualHost virtualHost, string queue) =>
        QueueFigureAsync(virtualHost, queue, "messages_unacknowledged", whenMissing: 0);

    /// <summary>How many consumers a queue has now (the management API reads this from the queue itself).</summary>
    public static Task<long> QueueConsumersAsync(TestVirtualHost virtualHost, string queue) =>
        QueueFigureAsync(virtualHost, queue, "consumers", whenMissing: 0);

    // One figure of the management API's queue document; whenMissing when it has none yet (no sample since the queue began).
    private static async Task<long> QueueFigureAsync(TestVirtualHost virtualHost, string queue, string figure, long whenMissing)
    {
        using var http = Management();
        var info = await http.GetFromJsonAsync<JsonElement>($"api/queues/{virtualHost.Name}/{queue}");
        return info.TryGetProperty(figure, out var value) ? value.GetInt64() : whenMissing;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}

internal sealed class TestDatabase(string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;
    public string ConnectionString { get; } = connectionString;

    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = Open();
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    /// <summary>Rows in every table of the database, by table: compared before and after requests that must store nothing.</summary>
    public async Task<Dictionary<string, long>> RowCountsAsync()
    {
        await using var connection = Open();
        var tables = await connection.QueryAsync<string>("""
            SELECT table_schema || '.' || table_name FROM information_schema.tables
            WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
            """);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            counts[table] = await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}");
        }
        return counts;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(Infrastructure.ConnectionString);
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }
}

internal sealed class TestVirtualHost(string name) : IAsyncDisposable
{
    public string Name { get; } = name;

    /// <summary>A queue as the management API describes it; null while it does not exist.</summary>
    public async Task<System.Text.Json.JsonElement?> QueueAsync(string queue)
    {
        using var http = Infrastructure.Management();
        using var response = await http.GetAsync($"api/queues/{Name}/{Uri.EscapeDataString(queue)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(response.Content);
    }

    public async ValueTask DisposeAsync()
    {
        using var http = Infrastructure.Management();
        await http.DeleteAsync($"api/vhosts/{Name}");
    }
}
