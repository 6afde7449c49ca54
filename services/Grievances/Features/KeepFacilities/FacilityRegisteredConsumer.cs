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

    public const string CodeTaken = "SELECT COUNT(*) FROM grievances.facility WHERE poster_code = @Code";

    public const string Known = "SELECT COUNT(*) FROM grievances.facility WHERE id = @Id";

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
        return inbox.ConsumeOnceAsync(context, "grievances.keep-facility", async data =>
        {
            var row = new
            {
                Id = f.FacilityId, f.TenantId, f.Revision, f.Name, NameKey = PosterCodes.NameKey(f.Name), f.Country,
                PosterCode = await FreeCodeAsync(data, f.FacilityId), UpdatedAt = f.OccurredAt,
            };
            data.Defer(_insert, row, inserted =>
            {
                if (inserted == 0)
                {
                    data.Defer(KeepFacilitiesSql.Update, row);
                }
            });
        });
    }

    /// <summary>
    /// The facility's first poster code no other facility has. Two instances that pick the same free code for two
    /// facilities at once: uq_facility_poster_code fails one transaction, its message is consumed again and
    /// finds the code taken, so it takes the next.
    /// </summary>
    private static async Task<string> FreeCodeAsync(DataTransaction data, Guid facilityId)
    {
        if (await data.ExecuteScalarAsync<long>(KeepFacilitiesSql.Known, new { Id = facilityId }) > 0)
        {
            // Known already: its code never changes (the update leaves it alone).
            return PosterCodes.For(facilityId);
        }
        foreach (var code in PosterCodes.Candidates(facilityId))
        {
            if (await data.ExecuteScalarAsync<long>(KeepFacilitiesSql.CodeTaken, new { Code = code }) == 0)
            {
                return code;
            }
        }
        throw new InvalidOperationException("No free poster code among the candidates.");
    }
}

/// <summary>The short codes on posters, and the form names are compared in.</summary>
public static class PosterCodes
{
    /// <summary>The facility's first candidate code.</summary>
    public static string For(Guid facilityId) => Candidates(facilityId).First();

    /// <summary>
    /// Six characters of the case-reference alphabet (no 0/O, 1/I) from the facility id and a counter: the same
    /// sequence on every instance and every replay. The first is almost always free (2^30 codes); one taken by
    /// another facility is passed over for the next.
    /// </summary>
    public static IEnumerable<string> Candidates(Guid facilityId)
    {
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var input = attempt == 0 ? facilityId.ToByteArray() : [.. facilityId.ToByteArray(), (byte)attempt];
            var hash = SHA256.HashData(input);
            yield return new string(hash.Take(6).Select(b => CaseReference.Alphabet[b % 32]).ToArray());
        }
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
