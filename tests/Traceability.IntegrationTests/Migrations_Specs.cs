using System.Reflection;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Traceability.Data;

namespace Traceability.IntegrationTests;

[TestFixture]
[Category("Integration")]
public class When_the_services_migrate_their_schemas
{
    private static readonly (string Schema, Assembly Assembly)[] Services =
    [
        ("provenance", typeof(Traceability.Provenance.Features.RecordShipment.RecordShipmentHandler).Assembly),
        ("risk", typeof(Traceability.Risk.Rules.DolGoodsList).Assembly),
        ("audits", Assembly.Load("Traceability.Audits")),
        ("grievances", Assembly.Load("Traceability.Grievances")),
        ("portal", Assembly.Load("Traceability.Portal")),
    ];

    [Test]
    public async Task Should_create_each_schema_with_its_outbox_and_inbox_and_be_idempotent()
    {
        await using var database = await Infrastructure.CreateDatabaseAsync();
        foreach (var (schema, assembly) in Services)
        {
            await SchemaMigrations.ApplyAsync(PostgresDialect.Instance, database.ConnectionString, schema, assembly, NullLogger.Instance);
        }
        // A second start (or a second instance) applies nothing and fails on nothing.
        await Task.WhenAll(Services.Select(s =>
            SchemaMigrations.ApplyAsync(PostgresDialect.Instance, database.ConnectionString, s.Schema, s.Assembly, NullLogger.Instance)));

        await using var connection = database.Open();
        var tables = (await connection.QueryAsync<string>(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")).ToList();
        foreach (var (schema, _) in Services)
        {
            Assert.That(tables, Does.Contain($"{schema}.outbox_message").And.Contain($"{schema}.inbox_message").And.Contain($"{schema}.schema_version"));
        }
        Assert.That(tables, Does.Contain("provenance.shipment").And.Contain("risk.flag").And.Contain("risk.shipment_evaluation").And.Contain("portal.data_protection_key"));
        Assert.That(tables, Does.Contain("audits.audit").And.Contain("audits.certificate_history").And.Contain("audits.idempotency_key"));
        var journal = (await connection.QueryAsync<string>("SELECT scriptname FROM risk.schema_version ORDER BY schemaversionsid")).ToList();
        Assert.That(journal, Is.EqualTo(new[] { "messaging/0001_outbox_inbox.sql", "messaging/0002_outbox_returned.sql", "risk/0001_flags.sql", "risk/0002_supply_chain.sql", "risk/0003_provenance_links.sql", "risk/0004_flag_model.sql", "risk/0005_certificate_claims.sql", "risk/0006_auditor_scope.sql", "risk/0006_grievance_signals.sql", "risk/0007_grievance_outcomes.sql", "risk/0007_rule_signals.sql", "risk/0008_flag_list_indexes.sql", "risk/0009_flag_scope_cells.sql", "risk/0009_shipment_evidence_indexes.sql", "risk/0010_mass_balance.sql", "risk/0011_held_epcs.sql", "risk/0012_certificate_fanout_index.sql", "risk/0013_flag_withdrawal.sql", "risk/0014_uflpa_list_applied.sql" }));
    }
}
