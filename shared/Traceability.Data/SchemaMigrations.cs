using System.Reflection;
using Dapper;
using DbUp.Engine;
using Microsoft.Extensions.Logging;

namespace Traceability.Data;

/// <summary>
/// Applies a service's plain-SQL migrations with DbUp at start-up: first the shared outbox/inbox
/// scripts (<c>infra/sql/&lt;dialect&gt;/messaging</c>), then the service's own
/// (<c>infra/sql/&lt;dialect&gt;/&lt;service&gt;</c>), both embedded in the assemblies and run in
/// the service's schema under a lock so that two instances starting together do not race.
/// </summary>
public static class SchemaMigrations
{
    /// <summary>
    /// Creates the database when missing (docker-compose starts with an empty SQL Server). Services
    /// starting together may race to create it, so a failure is retried a few times before it counts.
    /// </summary>
    public static async Task EnsureDatabaseAsync(SqlDialect dialect, string connectionString, ILogger logger)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                dialect.EnsureDatabase(connectionString);
                return;
            }
            catch (Exception exception) when (attempt < 5)
            {
                logger.LogWarning("Could not make sure the database exists ({Message}); attempt {Attempt}", exception.Message, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
        }
    }

    /// <summary>Brings the schema up to date; throws when a script fails.</summary>
    public static async Task ApplyAsync(SqlDialect dialect, string connectionString, string schema, Assembly serviceAssembly, ILogger logger, CancellationToken cancellationToken = default)
    {
        var scripts = Scripts(dialect, typeof(SchemaMigrations).Assembly, "messaging", 0)
            .Concat(Scripts(dialect, serviceAssembly, null, 1))
            .ToList();

        await using var lockConnection = dialect.CreateConnection(connectionString);
        await lockConnection.OpenAsync(cancellationToken);
        var lockName = $"traceability-migrations-{schema}";
        await lockConnection.ExecuteAsync(new CommandDefinition(dialect.AcquireMigrationLock, new { LockName = lockName }, cancellationToken: cancellationToken, commandTimeout: 150));
        try
        {
            await lockConnection.ExecuteAsync(new CommandDefinition(dialect.CreateSchemaIfMissing(schema), cancellationToken: cancellationToken));
            var result = dialect.MigrationsTo(connectionString, schema)
                .WithScripts(scripts)
                .WithVariable("schema", schema)
                .WithTransactionPerScript()
                .LogToNowhere()
                .Build()
                .PerformUpgrade();
            if (!result.Successful)
            {
                throw new InvalidOperationException($"Migration {result.ErrorScript?.Name} of schema '{schema}' failed.", result.Error);
            }
            foreach (var script in result.Scripts)
            {
                logger.LogInformation("Applied migration {Script} to schema {Schema}", script.Name, schema);
            }
        }
        finally
        {
            await lockConnection.ExecuteAsync(new CommandDefinition(dialect.ReleaseMigrationLock, new { LockName = lockName }, cancellationToken: CancellationToken.None));
        }
    }

    /// <summary>
    /// The scripts of one dialect embedded in an assembly, by name. Resources are named
    /// <c>&lt;dialect&gt;/&lt;folder&gt;/&lt;file&gt;.sql</c>; the name is what the journal records.
    /// </summary>
    public static IEnumerable<SqlScript> Scripts(SqlDialect dialect, Assembly assembly, string? folder, int group)
    {
        var prefix = folder is null ? dialect.Name + "/" : $"{dialect.Name}/{folder}/";
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return new SqlScript(name[(dialect.Name.Length + 1)..], reader.ReadToEnd(), new SqlScriptOptions { RunGroupOrder = group });
        }
    }
}
