using System.Globalization;
using System.Text;

namespace Traceability.Risk.Rules;

/// <summary>One good × country entry of the US DOL List of Goods Produced by Child Labor or Forced Labor.</summary>
public sealed record DolListing(
    string Good,
    string Sector,
    string Country,
    string CountryCode,
    bool ChildLabor,
    bool ForcedLabor,
    bool ForcedChildLabor,
    bool DerivedLaborExploitation,
    string? DerivedCountry)
{
    /// <summary>A stable evidence id for this entry, e.g. <c>dol-2022:cotton:UZ</c>.</summary>
    public string EvidenceId => $"dol-{DolGoodsList.Edition}:{DolGoodsList.Normalise(Good)}:{CountryCode}";
}

/// <summary>
/// The US DOL ILAB List of Goods (TVPRA), 2022 edition, shipped as <c>Rules/dol-goods-2022.csv</c>.
/// Source: DOL's "Sweat &amp; Toil" app data (goods_2021.xml, updated to the 2022 list in 2023), one row per
/// good and country, with the ISO 3166-1 alpha-2 code added. A fixture of the list's shape and facts,
/// not the current edition (2024 is larger): replace the file to update it.
/// </summary>
public sealed class DolGoodsList
{
    /// <summary>The edition of the list the shipped file holds.</summary>
    public const string Edition = "2022";

    private readonly Dictionary<(string Name, string Country), DolListing> _byNameAndCountry = [];

    private DolGoodsList(IEnumerable<DolListing> listings)
    {
        Listings = listings.ToList();
        foreach (var listing in Listings)
        {
            foreach (var name in NamesOf(listing.Good))
            {
                _byNameAndCountry.TryAdd((name, listing.CountryCode), listing);
            }
        }
    }

    /// <summary>All entries.</summary>
    public IReadOnlyList<DolListing> Listings { get; }

    /// <summary>The list shipped with the service.</summary>
    public static DolGoodsList LoadShipped()
    {
        using var stream = typeof(DolGoodsList).Assembly.GetManifestResourceStream("Rules/dol-goods-2022.csv")
            ?? throw new InvalidOperationException("The DOL list is not embedded in the Risk assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader);
    }

    /// <summary>Reads the CSV (header row first; RFC 4180 quoting).</summary>
    public static DolGoodsList Parse(TextReader reader)
    {
        var rows = ReadCsv(reader).ToList();
        if (rows.Count == 0)
        {
            throw new FormatException("The DOL list is empty.");
        }
        var header = rows[0];
        int Column(string name) => header.IndexOf(name) is var i and >= 0 ? i : throw new FormatException($"The DOL list has no '{name}' column.");
        int good = Column("good"), sector = Column("sector"), country = Column("country"), code = Column("country_code"),
            child = Column("child_labor"), forced = Column("forced_labor"), forcedChild = Column("forced_child_labor"),
            derived = Column("derived_labor_exploitation"), derivedCountry = Column("derived_country");
        return new DolGoodsList(rows.Skip(1).Select(r => new DolListing(
            r[good], r[sector], r[country], r[code],
            r[child] == "Yes", r[forced] == "Yes", r[forcedChild] == "Yes", r[derived] == "Yes",
            string.IsNullOrEmpty(r[derivedCountry]) ? null : r[derivedCountry])));
    }

    /// <summary>The entry for a commodity as an exporter names it, from a country, if listed.</summary>
    public DolListing? Find(string commodity, string countryCode)
    {
        foreach (var name in NamesOf(commodity))
        {
            if (_byNameAndCountry.TryGetValue((name, countryCode), out var listing))
            {
                return listing;
            }
        }
        return null;
    }

    /// <summary>Lower case, no accents, single spaces: "Açaí Berries" → "acai berries".</summary>
    public static string Normalise(string text)
    {
        var decomposed = text.Trim().ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var kept = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)
            {
                kept.Append(c);
            }
        }
        return string.Join(' ', kept.ToString().Normalize(NormalizationForm.FormC).Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// The names one good answers to: its full name, the name without a parenthetical qualifier
    /// ("Cobalt ore (heterogenite)" → "cobalt ore", "cobalt"), each part of a slash ("Brazil Nuts/Chestnuts"),
    /// and a singular form. Qualifiers are not names on their own: "Tilapia (fish)" is not "fish".
    /// </summary>
    internal static IEnumerable<string> NamesOf(string good)
    {
        var full = Normalise(good);
        var names = new List<string> { full };
        var open = full.IndexOf('(', StringComparison.Ordinal);
        var stem = open > 0 ? full[..open].Trim() : full;
        names.Add(stem);
        names.AddRange(stem.Split('/', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        foreach (var name in names.ToList())
        {
            if (name.EndsWith(" ore", StringComparison.Ordinal))
            {
                names.Add(name[..^4]);
            }
        }
        foreach (var name in names.ToList())
        {
            names.Add(Singular(name));
        }
        return names.Distinct();
    }

    private static string Singular(string name) => name switch
    {
        _ when name.EndsWith("ies", StringComparison.Ordinal) && name.Length > 4 => name[..^3] + "y",
        _ when name.EndsWith("oes", StringComparison.Ordinal) && name.Length > 4 => name[..^2],
        _ when name.EndsWith('s') && !name.EndsWith("ss", StringComparison.Ordinal) && name.Length > 3 => name[..^1],
        _ => name,
    };

    private static IEnumerable<List<string>> ReadCsv(TextReader reader)
    {
        var field = new StringBuilder();
        var row = new List<string>();
        var quoted = false;
        int c;
        while ((c = reader.Read()) != -1)
        {
            var ch = (char)c;
            if (quoted)
            {
                if (ch == '"' && reader.Peek() == '"')
                {
                    field.Append('"');
                    reader.Read();
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"':
                    quoted = true;
                    break;
                case ',':
                    row.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    row.Add(field.ToString());
                    field.Clear();
                    yield return row;
                    row = [];
                    break;
                default:
                    field.Append(ch);
                    break;
            }
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            yield return row;
        }
    }
}
