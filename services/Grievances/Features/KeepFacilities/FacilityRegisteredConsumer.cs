using System.Security.Cryptography;
using System.Text;
using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Grievances.Features.Converse;

namespace Traceability.Grievances.Features.KeepFacilities;

internal static class KeepFacilitiesSql
{
    public static string Insert(SqlDialect dialect) => dialect.InsertIfAbsent(
        "grievances.facility", ["id", "tenant_id", "revision", "name", "name_key", "country", "poster_code", "updated_at"], ["id"]);

    // Revisions may arrive out of order: an older one never overwrites a newer one. The poster code never changes.
    public const string Update = """
        UPDATE grievances.facility SET revision = @Revision, name = @Name, name_key = @NameKey, country = @Country, updated_at = @UpdatedAt
        WHERE id = @Id AND revision < @Revision
        """;
}

/// <summary>
/// Keeps Grievances' copy of every facility Provenance registers, so a worker can name a workplace by
/// the code on its poster or by its name. Exporters never learn which facility a grievance names.
/// </summary>
public sealed class FacilityRegisteredConsumer(Inbox inbox, Database database) : IConsumer<FacilityRegistered>
{
    private readonly string _insert = KeepFacilitiesSql.Insert(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<FacilityRegistered> context)
    {
        var f = context.Message;
        var row = new
        {
            Id = f.FacilityId, f.TenantId, f.Revision, f.Name, NameKey = PosterCodes.NameKey(f.Name), f.Country,
            PosterCode = PosterCodes.For(f.FacilityId), UpdatedAt = f.OccurredAt,
        };
        return inbox.ConsumeOnceAsync(context, "grievances.keep-facility", data =>
        {
            data.Defer(_insert, row, inserted =>
            {
                if (inserted == 0)
                {
                    data.Defer(KeepFacilitiesSql.Update, row);
                }
            });
            return Task.CompletedTask;
        });
    }
}

/// <summary>The short codes on posters, and the form names are compared in.</summary>
public static class PosterCodes
{
    /// <summary>Six characters of the case-reference alphabet (no 0/O, 1/I) from the facility id: the same on every instance and every replay.</summary>
    public static string For(Guid facilityId)
    {
        var hash = SHA256.HashData(facilityId.ToByteArray());
        return new string(hash.Take(6).Select(b => CaseReference.Alphabet[b % 32]).ToArray());
    }

    /// <summary>What a worker typed as a poster code, or null when it cannot be one.</summary>
    public static string? Parse(string text)
    {
        var compact = new string(text.ToUpperInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());
        return compact.Length == 6 && compact.All(c => CaseReference.Alphabet.Contains(c, StringComparison.Ordinal)) ? compact : null;
    }

    /// <summary>A name folded for comparison: letters and digits only, upper case, accents dropped, single spaces.</summary>
    public static string NameKey(string name)
    {
        var folded = ConversationTexts.Fold(name);
        var builder = new StringBuilder();
        foreach (var c in folded)
        {
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != ' ')
            {
                builder.Append(' ');
            }
        }
        var key = builder.ToString().Trim();
        return key.Length > 200 ? key[..200] : key;
    }
}
