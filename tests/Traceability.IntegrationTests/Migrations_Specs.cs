using System.Reflection;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Traceability.Data;
using Traceability.Risk.Flags;

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
        Assert.That(journal, Is.EqualTo(new[] { "messaging/0001_outbox_inbox.sql", "messaging/0002_outbox_returned.sql", "risk/0001_flags.sql", "risk/0002_supply_chain.sql", "risk/0003_provenance_links.sql", "risk/0004_flag_model.sql", "risk/0005_certificate_claims.sql", "risk/0006_auditor_scope.sql", "risk/0006_grievance_signals.sql", "risk/0007_grievance_outcomes.sql", "risk/0007_rule_signals.sql", "risk/0008_flag_list_indexes.sql", "risk/0009_flag_scope_cells.sql", "risk/0009_shipment_evidence_indexes.sql", "risk/0010_mass_balance.sql", "risk/0011_held_epcs.sql", "risk/0012_certificate_fanout_index.sql", "risk/0013_flag_withdrawal.sql", "risk/0014_uflpa_list_applied.sql", "risk/0015_epcis_chain.sql", "risk/0016_provenance_gap_tiers_evidence.sql" }));
    }

    [Test]
    public async Task Should_give_version_1_provenance_gap_flags_their_tiers_as_evidence_read_once_from_the_explanation()
    {
        await using var database = await Infrastructure.CreateDatabaseAsync();
        var dialect = PostgresDialect.Instance;
        var risk = typeof(Traceability.Risk.Rules.DolGoodsList).Assembly;
        // Risk's schema as it stood before migration 0016, through the same runner and journal.
        await using (var connection = database.Open())
        {
            await connection.ExecuteAsync(dialect.CreateSchemaIfMissing("risk"));
        }
        var before = SchemaMigrations.Scripts(dialect, typeof(SchemaMigrations).Assembly, "messaging", 0)
            .Concat(SchemaMigrations.Scripts(dialect, risk, null, 1).Where(s => string.CompareOrdinal(s.Name, "risk/0016") < 0)).ToList();
        Assert.That(dialect.MigrationsTo(database.ConnectionString, "risk").WithScripts(before).WithVariable("schema", "risk").WithTransactionPerScript()
            .LogToNowhere().Build().PerformUpgrade().Successful, Is.True);

        // Flags as version 1 of the rule raised them: the tiers' reason only in the explanation (one with 12 tiers, one with the
        // origin's reason alone); and one of version 2 that has its evidence already.
        var (both, origin, many, current) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        using (var flags = new TestFlagBook(database.ConnectionString))
        {
            Task RaiseAsync(Guid shipment, int version, string explanation, params FlagEvidence[] more) => flags.RaiseAsync(new FlagSignal
            {
                RuleId = "provenance-gap", RuleVersion = version, Severity = Severity.Medium, Subject = FlagSubject.Shipment(shipment), TenantId = "acme",
                Scope = new FlagScope("GH", "18"), Explanation = explanation, Evidence = [new FlagEvidence($"shipment:{shipment}", EvidenceSource.Provenance), .. more],
            });
            await RaiseAsync(both, 1, "Provenance gap: its origin facility 'Mill; 3 (Kumasi)' has never been audited; 2 tier(s) (farm in GH, trader in CI) name no facility.");
            await RaiseAsync(origin, 1, "Provenance gap: its origin facility 'Tema Grinding' has never been audited.");
            await RaiseAsync(many, 1, "Provenance gap: 12 tier(s) (farm in GH, farm in GH, farm in GH, farm in GH, farm in GH, farm in GH, farm in GH, farm in GH, farm in GH, farm in GH, farm in GH, trader in CI) name no facility.");
            await RaiseAsync(current, 2, "Provenance gap: 1 tier(s) (farm in GH) name no facility.",
                new FlagEvidence($"tiers:{current}", EvidenceSource.Provenance, "1 tier(s) (farm in GH) name no facility"));
        }

        await SchemaMigrations.ApplyAsync(dialect, database.ConnectionString, "risk", risk, NullLogger.Instance);

        await using var read = database.Open();
        var tiers = (await read.QueryAsync<(string SubjectId, string Note, int Counted)>("""
            SELECT f.subject_id, e.note, f.evidence_count FROM risk.flag f JOIN risk.flag_evidence e ON e.flag_id = f.id AND e.evidence_id = 'tiers:' || f.subject_id
            """)).ToDictionary(t => t.SubjectId);
        Assert.That(tiers.Keys, Is.EquivalentTo(new[] { both.ToString(), many.ToString(), current.ToString() }), "only flags whose tiers name no facility");
        Assert.That(tiers[both.ToString()], Is.EqualTo((both.ToString(), "2 tier(s) (farm in GH, trader in CI) name no facility", 2)));
        Assert.That(tiers[many.ToString()].Note, Does.StartWith("12 tier(s) (farm in GH,").And.EndWith("trader in CI) name no facility"));
        Assert.That(tiers[current.ToString()].Note, Is.EqualTo("1 tier(s) (farm in GH) name no facility"), "version 2's own evidence untouched");
    }

    [Test]
    public async Task Should_give_the_audits_of_an_older_schema_their_HS_chapter_cells_when_it_is_upgraded()
    {
        // A deployment from before audits/0003: its audits name chapters but have no audit_chapter rows. It is made here by
        // taking 0003 back out (table and journal row) after audits were stored, then starting again.
        await using var database = await Infrastructure.CreateDatabaseAsync();
        var audits = Services.Single(s => s.Schema == "audits");
        await SchemaMigrations.ApplyAsync(PostgresDialect.Instance, database.ConnectionString, audits.Schema, audits.Assembly, NullLogger.Instance);
        await using (var connection = database.Open())
        {
            await connection.ExecuteAsync("""
                DROP TABLE audits.audit_chapter;
                DELETE FROM audits.schema_version WHERE scriptname = 'audits/0003_audit_chapter.sql';
                INSERT INTO audits.facility (id, gln, osh_id, name, country, first_named_by, updated_at)
                VALUES ('00000000-0000-0000-0000-00000000000f', '6291041500213', NULL, 'Mill', 'GH', 'audit', now());
                INSERT INTO audits.audit (id, facility_id, scheme, audit_type, announcement, start_date, end_date, lead_auditor_id, team, workers_interviewed,
                                          women, men, migrant, young, hs_chapters, revision, submitted_by, submitted_at)
                SELECT a.id, '00000000-0000-0000-0000-00000000000f', a.scheme, 'periodic', 'announced', a.start_date, a.start_date, 'lead', 'Kofi', 1,
                       1, 1, 0, 0, a.hs_chapters, 1, 'lead', now()
                FROM (VALUES ('00000000-0000-0000-0000-000000000001'::uuid, 'sa8000', DATE '2026-01-05', '18'),
                             ('00000000-0000-0000-0000-000000000002'::uuid, 'smeta', DATE '2026-02-05', '52 61'),
                             ('00000000-0000-0000-0000-000000000003'::uuid, 'sa8000', DATE '2026-03-05', '')) AS a (id, scheme, start_date, hs_chapters);
                """);
        }

        await SchemaMigrations.ApplyAsync(PostgresDialect.Instance, database.ConnectionString, audits.Schema, audits.Assembly, NullLogger.Instance);

        await using var upgraded = database.Open();
        var cells = (await upgraded.QueryAsync<(Guid, string)>("SELECT audit_id, scheme_chapter FROM audits.audit_chapter ORDER BY audit_id, scheme_chapter")).ToList();
        Assert.That(cells, Is.EqualTo(new[]
        {
            (Guid.Parse("00000000-0000-0000-0000-000000000001"), "sa8000/18"),
            (Guid.Parse("00000000-0000-0000-0000-000000000002"), "smeta/52"),
            (Guid.Parse("00000000-0000-0000-0000-000000000002"), "smeta/61"),
        }), "one cell per chapter named, none for an audit of the whole site");
    }
}
