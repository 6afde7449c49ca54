using System.Globalization;
using System.Text;
using CsvHelper;

namespace Traceability.Risk.Rules.Uflpa;

/// <summary>
/// One entity of the UFLPA Entity List: its name and aliases, the day the listing took effect, the statutory section
/// (<see cref="Basis"/>), where the entry came from (<see cref="Source"/>: a Federal Register citation, or the DHS page
/// as of the day it was imported) and, once it is off the list, the day it was first seen gone (<see cref="Removed"/>).
/// </summary>
public sealed record UflpaEntity(string Name, IReadOnlyList<string> Aliases, DateOnly Added, string Basis)
{
    /// <summary>The first day the entity is no longer listed, if it has been removed.</summary>
    public DateOnly? Removed { get; init; }

    /// <summary>Where the entry came from.</summary>
    public string Source { get; init; } = "";

    /// <summary>A stable evidence id, e.g. <c>uflpa-entity:hoshine-silicon-industry-shanshan</c>.</summary>
    public string EvidenceId => "uflpa-entity:" + Key;

    /// <summary>The entity's name as the matcher reads it (lower case, legal words dropped): the key imports compare by.</summary>
    public string Key => string.Join('-', EntityNames.Tokens(Name));

    /// <summary>Whether the entity was on the list on <paramref name="day"/>: from the day it was added, until the day it was removed.</summary>
    public bool ListedOn(DateOnly day) => Added <= day && (Removed is not { } removed || day < removed);
}

/// <summary>A facility name that matched an entity: which name or alias, and how well (0..1).</summary>
public sealed record EntityMatch(UflpaEntity Entity, string MatchedName, double Score);

/// <summary>
/// The UFLPA Entity List as dated data (<c>Rules/Uflpa/uflpa-entity-list.csv</c>, or the file named by
/// <c>Risk:UflpaEntityListFile</c>: name, aliases separated by |, date added, date removed, basis, source; written by
/// <c>uflpa-entity-list import</c> from DHS's page), and the tolerant name match: case, punctuation and legal suffixes
/// do not matter, known transliterations of Xinjiang place names are one word, words may be misspelt a little or run together.
/// </summary>
public sealed class UflpaEntityList
{
    /// <summary>The configuration key naming a list file that replaces the shipped one.</summary>
    public const string FileKey = "Risk:UflpaEntityListFile";

    private static readonly string[] Header = ["name", "aliases", "added", "removed", "basis", "source"];

    private readonly List<(UflpaEntity Entity, string Name, string[] Tokens)> _names = [];

    /// <summary>A list over entities.</summary>
    public UflpaEntityList(IEnumerable<UflpaEntity> entities)
    {
        Entities = entities.ToList();
        foreach (var entity in Entities)
        {
            foreach (var name in entity.Aliases.Prepend(entity.Name))
            {
                _names.Add((entity, name, EntityNames.Tokens(name)));
            }
        }
    }

    /// <summary>Every entity, removed ones included.</summary>
    public IReadOnlyList<UflpaEntity> Entities { get; }

    /// <summary>The SHA-256 (hex) of the list as <see cref="Write"/> writes it: another list, another fingerprint.</summary>
    public string Fingerprint
    {
        get
        {
            using var writer = new StringWriter(CultureInfo.InvariantCulture);
            Write(writer);
            return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(writer.ToString())));
        }
    }

    /// <summary>The list shipped with the service.</summary>
    public static UflpaEntityList LoadShipped()
    {
        using var stream = typeof(UflpaEntityList).Assembly.GetManifestResourceStream("Rules/uflpa-entity-list.csv")
            ?? throw new InvalidOperationException("The UFLPA Entity List is not embedded in the Risk assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return Parse(reader);
    }

    /// <summary>The file named by <see cref="FileKey"/> if there is one (an operator's imported list), else the shipped list.</summary>
    public static UflpaEntityList Load(IConfiguration configuration)
    {
        if (configuration[FileKey] is not { Length: > 0 } path)
        {
            return LoadShipped();
        }
        using var reader = new StreamReader(path, Encoding.UTF8);
        try
        {
            return Parse(reader);
        }
        catch (FormatException exception)
        {
            throw new FormatException($"{FileKey} '{path}': {exception.Message}", exception);
        }
    }

    /// <summary>Reads the CSV: a header row naming name, aliases, added, basis (removed and source may be left out), then one entity a row.</summary>
    public static UflpaEntityList Parse(TextReader reader)
    {
        var entities = new List<UflpaEntity>();
        try
        {
            var text = reader.ReadToEnd();
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new FormatException("The UFLPA Entity List is empty.");
            }
            // As strict as Audits' findings upload (FindingsCsv), but not the same reader: that one takes an auditor's spreadsheet,
            // keeps its text (it may speak of workers) out of exception messages and matches loosely written headers; this file
            // holds public names under this importer's own headers, and a name in the message shows the operator the bad row.
            using var csv = CsvReader.FromText(text, new CsvReaderOptions
            {
                HasHeader = true,
                TrimWhitespace = true,
                TrackLineNumbers = true,
                MalformedData = CsvMalformedDataHandling.Throw,
                FieldCountMismatch = CsvFieldCountHandling.Throw,
                IncludeValuesInExceptions = true,
            });
            csv.ReadHeader();
            var headers = csv.Headers.Select(h => h.Trim().ToLowerInvariant()).ToList();
            int Column(string name) => headers.IndexOf(name) is var i and >= 0 ? i : throw new FormatException($"The UFLPA Entity List has no '{name}' column.");
            int name = Column("name"), aliases = Column("aliases"), added = Column("added"), basis = Column("basis");
            int removed = headers.IndexOf("removed"), source = headers.IndexOf("source");
            while (csv.Read())
            {
                var line = csv.LineNumber;
                string Cell(int at) => at >= 0 && !csv.IsEmpty(at) ? csv.GetString(at).Trim() : "";
                DateOnly? Day(int at, string column) => Cell(at) is { Length: > 0 } text
                    ? DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
                        ? day : throw new FormatException($"Line {line}: {column} '{text}' is not a date (yyyy-mm-dd).")
                    : null;
                var entityName = Cell(name);
                if (entityName.Length == 0 || EntityNames.Tokens(entityName).Length == 0)
                {
                    throw new FormatException($"Line {line}: an entity needs a name.");
                }
                var entity = new UflpaEntity(entityName, Cell(aliases).Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    Day(added, "added") ?? throw new FormatException($"Line {line}: '{entityName}' has no date added."), Cell(basis))
                {
                    Removed = Day(removed, "removed"),
                    Source = Cell(source),
                };
                if (entity.Removed <= entity.Added)
                {
                    throw new FormatException($"Line {line}: '{entityName}' is removed on or before the day it was added.");
                }
                entities.Add(entity);
            }
        }
        catch (CsvFormatException exception)
        {
            throw new FormatException($"The UFLPA Entity List is not well-formed CSV at line {exception.LineNumber}: {exception.Message}", exception);
        }
        return new UflpaEntityList(entities);
    }

    /// <summary>Writes the list as <see cref="Parse"/> reads it, in the order given (fields quoted where they hold a comma, quote or line break).</summary>
    public void Write(TextWriter writer)
    {
        writer.Write(string.Join(',', Header) + "\n");
        foreach (var entity in Entities)
        {
            string[] fields =
            [
                entity.Name, string.Join('|', entity.Aliases), entity.Added.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                entity.Removed?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "", entity.Basis, entity.Source,
            ];
            writer.Write(string.Join(',', fields.Select(Quoted)) + "\n");
        }
    }

    private static string Quoted(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    /// <summary>
    /// The best match of <paramref name="facilityName"/> among entities on the list on <paramref name="asOf"/> (null: on any day
    /// the list has them, removed ones too), at or above <paramref name="threshold"/>.
    /// </summary>
    public EntityMatch? Match(string facilityName, DateOnly? asOf, double threshold)
    {
        var tokens = EntityNames.Tokens(facilityName);
        if (tokens.Length == 0)
        {
            return null;
        }
        EntityMatch? best = null;
        foreach (var (entity, name, entityTokens) in _names)
        {
            if (asOf is { } day && !entity.ListedOn(day))
            {
                continue;
            }
            var score = EntityNames.Similarity(tokens, entityTokens);
            if (score >= threshold && (best is null || score > best.Score))
            {
                best = new EntityMatch(entity, name, Math.Round(score, 3));
            }
        }
        return best;
    }
}

/// <summary>How names are compared.</summary>
public static class EntityNames
{
    // Words that say what kind of company, not which one.
    private static readonly HashSet<string> LegalWords =
    [
        "co", "company", "companies", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "llc", "plc", "gmbh", "ag", "sa", "srl",
        "bv", "pte", "pvt", "private", "jsc", "ojsc", "the", "of",
    ];

    // Transliterations of the same place or word, to one spelling (Wade-Giles, Uyghur and pinyin forms).
    private static readonly Dictionary<string, string> Spellings = new()
    {
        ["hetian"] = "hotan", ["khotan"] = "hotan", ["akesu"] = "aksu", ["yili"] = "ili", ["kashi"] = "kashgar", ["kaxgar"] = "kashgar",
        ["tulufan"] = "turpan", ["turfan"] = "turpan", ["wulumuqi"] = "urumqi", ["urumchi"] = "urumqi", ["sinkiang"] = "xinjiang",
        ["zhungeer"] = "junggar", ["dzungar"] = "junggar", ["zhunger"] = "junggar", ["luopu"] = "lop", ["hami"] = "kumul", ["changchi"] = "changji",
        ["shihezi"] = "shihezi", ["kuerle"] = "korla", ["aletai"] = "altay", ["tacheng"] = "tacheng", ["kelamayi"] = "karamay",
        ["intl"] = "international", ["mfg"] = "manufacturing", ["tech"] = "technology", ["sci"] = "science", ["ind"] = "industry", ["industrial"] = "industry",
        ["textile"] = "textiles", ["garments"] = "garment",
    };

    /// <summary>Lower case, no accents, punctuation and apostrophes gone, legal words dropped, transliterations unified.</summary>
    public static string[] Tokens(string name)
    {
        var decomposed = name.Replace("&", " and ", StringComparison.Ordinal).ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var text = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark || c is '\'' or '’' or 'ʼ')
            {
                continue;
            }
            text.Append(char.IsLetterOrDigit(c) ? c : ' ');
        }
        return text.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(t => !LegalWords.Contains(t))
            .Select(t => Spellings.TryGetValue(t, out var unified) ? unified : t)
            .ToArray();
    }

    /// <summary>
    /// 0..1: each word of either name paired with its most similar word of the other (Jaro-Winkler from 0.9, exact for
    /// words of three letters or fewer), summed over both sides, over the number of words. Names equal once their words
    /// are run together ("Xin Jiang" / "Xinjiang") score 1.
    /// </summary>
    public static double Similarity(string[] a, string[] b)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            return 0;
        }
        if (string.Concat(a) == string.Concat(b))
        {
            return 1;
        }
        return (Matched(a, b) + Matched(b, a)) / (a.Length + b.Length);
    }

    private static double Matched(string[] from, string[] to)
    {
        var sum = 0.0;
        foreach (var word in from)
        {
            var best = 0.0;
            foreach (var other in to)
            {
                var similarity = word == other ? 1 : word.Length <= 3 || other.Length <= 3 ? 0 : JaroWinkler(word, other);
                best = Math.Max(best, similarity >= 0.9 ? similarity : 0);
            }
            sum += best;
        }
        return sum;
    }

    /// <summary>Jaro-Winkler similarity (prefix scale 0.1, up to four characters).</summary>
    public static double JaroWinkler(string s, string t)
    {
        if (s == t)
        {
            return 1;
        }
        var window = Math.Max(0, Math.Max(s.Length, t.Length) / 2 - 1);
        var sMatched = new bool[s.Length];
        var tMatched = new bool[t.Length];
        var matches = 0;
        for (var i = 0; i < s.Length; i++)
        {
            for (var j = Math.Max(0, i - window); j < Math.Min(t.Length, i + window + 1); j++)
            {
                if (!tMatched[j] && s[i] == t[j])
                {
                    sMatched[i] = tMatched[j] = true;
                    matches++;
                    break;
                }
            }
        }
        if (matches == 0)
        {
            return 0;
        }
        var transpositions = 0;
        for (int i = 0, j = 0; i < s.Length; i++)
        {
            if (!sMatched[i])
            {
                continue;
            }
            while (!tMatched[j])
            {
                j++;
            }
            if (s[i] != t[j])
            {
                transpositions++;
            }
            j++;
        }
        var m = (double)matches;
        var jaro = (m / s.Length + m / t.Length + (m - transpositions / 2.0) / m) / 3;
        var prefix = 0;
        while (prefix < Math.Min(4, Math.Min(s.Length, t.Length)) && s[prefix] == t[prefix])
        {
            prefix++;
        }
        return jaro + prefix * 0.1 * (1 - jaro);
    }
}
