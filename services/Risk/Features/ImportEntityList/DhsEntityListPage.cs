using System.Globalization;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Traceability.Risk.Rules.Uflpa;

namespace Traceability.Risk.Features.ImportEntityList;

/// <summary>An entity as DHS lists it: its name and aliases, the statutory section, the effective date and, where the page names one, the Federal Register notice.</summary>
public sealed record OfficialEntity(string Name, IReadOnlyList<string> Aliases, DateOnly Effective, string Section, string? FederalRegister);

/// <summary>What the page lists, and the day the page says it was last updated (if it says).</summary>
public sealed record OfficialEntityList(IReadOnlyList<OfficialEntity> Entities, DateOnly? LastUpdated);

/// <summary>
/// Reads the UFLPA Entity List as DHS publishes it: the page https://www.dhs.gov/uflpa-entity-list, saved as HTML.
/// DHS publishes no CSV or JSON of it (the trade.gov Consolidated Screening List does not carry it either), so the page
/// is the official machine-readable form. It has one table per statutory section (2(d)(2)(B)(i), (ii), (iv), (v)), each
/// just after a heading naming the section, with a "Name of Entity" (or "Entity Name") and an "Effective Date" column
/// ("June 21, 2022"); an optional "Federal Register" column is read when present. A name cell carries the entity's aliases
/// and named subsidiaries in words: "X (including two aliases: A; and B)", "X (also known as A)", "X and its subsidiary Y",
/// "X and its three Hefei-based subsidiaries, which include A, B, and C", "X and subsidiaries". Each named subsidiary
/// becomes an entity of its own. Anything the reader cannot take apart for certain is refused, every such row named.
/// </summary>
public static partial class DhsEntityListPage
{
    private static readonly string[] DateFormats = ["MMMM d, yyyy", "MMM d, yyyy", "MMM. d, yyyy", "M/d/yyyy", "yyyy-MM-dd"];

    private static readonly Dictionary<string, int> Counts = new(StringComparer.OrdinalIgnoreCase)
    {
        ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6, ["seven"] = 7, ["eight"] = 8, ["nine"] = 9, ["ten"] = 10,
        ["eleven"] = 11, ["twelve"] = 12,
    };

    /// <summary>The entities of a saved page; a <see cref="FormatException"/> naming every row (table and row number) it cannot read.</summary>
    public static OfficialEntityList Read(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        var errors = new List<string>();
        var entities = new List<OfficialEntity>();
        var tableNumber = 0;
        foreach (var table in document.QuerySelectorAll("table"))
        {
            var rows = table.QuerySelectorAll("tr").ToList();
            var header = rows.FirstOrDefault(r => r.Children.Any(c => c.LocalName == "th"));
            if (header is null)
            {
                continue;
            }
            var headings = header.Children.Select(c => Words(c.TextContent).ToLowerInvariant()).ToList();
            var name = headings.FindIndex(h => h is "name of entity" or "entity name" or "entity" or "name");
            var effective = headings.FindIndex(h => h.Contains("effective date", StringComparison.Ordinal) || h == "date added");
            if (name < 0 || effective < 0)
            {
                continue;
            }
            tableNumber++;
            var federalRegister = headings.FindIndex(h => h.Contains("federal register", StringComparison.Ordinal));
            var section = SectionBefore(table);
            if (section is null)
            {
                errors.Add($"Table {tableNumber}: no heading naming its UFLPA section (2(d)(2)(B)(…)) just before it.");
                continue;
            }
            var rowNumber = 0;
            foreach (var row in rows.Where(r => r != header))
            {
                var cells = row.Children.Where(c => c.LocalName is "td" or "th").Select(c => Words(c.TextContent)).ToList();
                if (cells.All(c => c.Length == 0))
                {
                    continue;
                }
                rowNumber++;
                var where = $"Table {tableNumber} ({section}), row {rowNumber}";
                if (cells.Count <= Math.Max(name, effective))
                {
                    errors.Add($"{where}: {cells.Count} cell(s) where the header has {headings.Count}.");
                    continue;
                }
                if (!DateOnly.TryParseExact(cells[effective], DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                {
                    errors.Add($"{where}: effective date '{cells[effective]}' is not a date (e.g. June 21, 2022).");
                    continue;
                }
                if (!TryReadNames(cells[name], out var names, out var problem))
                {
                    errors.Add($"{where}: {problem} in '{cells[name]}'.");
                    continue;
                }
                var notice = federalRegister >= 0 && federalRegister < cells.Count && cells[federalRegister].Length > 0 ? cells[federalRegister] : null;
                entities.Add(new OfficialEntity(names.Main, names.Aliases, day, section, notice));
                entities.AddRange(names.Subsidiaries.Select(s => new OfficialEntity(s, [], day, $"{section}, subsidiary of {names.Main}", notice)));
            }
        }
        if (tableNumber == 0)
        {
            errors.Add("No UFLPA Entity List table (columns 'Name of Entity' and 'Effective Date') on the page: save https://www.dhs.gov/uflpa-entity-list itself (HTML).");
        }
        else if (entities.Count == 0 && errors.Count == 0)
        {
            errors.Add("The page's tables list no entity.");
        }
        if (errors.Count > 0)
        {
            throw new FormatException(string.Join(Environment.NewLine, errors));
        }
        var updated = LastUpdated().Match(Words(document.Body?.TextContent ?? ""));
        return new OfficialEntityList(entities, updated.Success && DateOnly.TryParseExact(updated.Groups[1].Value, "M/d/yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var last)
            ? last : null);
    }

    /// <summary>The names in one "Name of Entity" cell: the entity, its aliases, the subsidiaries it names.</summary>
    public static bool TryReadNames(string cell, out (string Main, IReadOnlyList<string> Aliases, IReadOnlyList<string> Subsidiaries) names, out string problem)
    {
        names = default;
        problem = "";
        var text = Words(cell);
        IReadOnlyList<string> aliases = [];
        var alias = AliasClause().Match(text);
        string main, rest;
        if (alias.Success)
        {
            main = alias.Groups["main"].Value;
            rest = alias.Groups["rest"].Value;
            int? count = alias.Groups["count"].Success
                ? Counts.TryGetValue(alias.Groups["count"].Value, out var n) ? n : int.TryParse(alias.Groups["count"].Value, CultureInfo.InvariantCulture, out n) ? n : -1
                : null;
            if (count == -1)
            {
                problem = $"'{alias.Groups["count"].Value}' is not a number of aliases";
                return false;
            }
            aliases = SplitNames(alias.Groups["list"].Value, count);
            if (count is { } expected && aliases.Count != expected)
            {
                problem = $"it says {expected} alias(es) but {aliases.Count} can be told apart (separate them with ';' in the saved page)";
                return false;
            }
        }
        else
        {
            var split = SubsidiaryClause().Match(text);
            main = split.Success ? split.Groups["main"].Value : text;
            rest = split.Success ? split.Groups["rest"].Value : "";
        }
        IReadOnlyList<string> subsidiaries = [];
        rest = rest.Trim();
        if (rest.Length > 0)
        {
            var subs = NamedSubsidiaries().Match(rest);
            if (subs.Success)
            {
                subsidiaries = SplitNames(subs.Groups["list"].Value, null);
            }
            else if (!UnnamedSubsidiaries().IsMatch(rest))
            {
                problem = $"'{rest}' after the name is neither aliases nor subsidiaries this reader knows";
                return false;
            }
        }
        main = main.Trim().TrimEnd(',').Trim();
        if (AndIts().IsMatch(main))
        {
            problem = "'and its …' after the name is neither aliases nor subsidiaries this reader knows";
            return false;
        }
        // "Xinjiang Production and Construction Corps (XPCC)": a short form in brackets is an alias, not part of the name.
        if (Acronym().Match(main) is { Success: true } acronym)
        {
            main = acronym.Groups["main"].Value;
            aliases = [.. aliases, acronym.Groups["short"].Value];
        }
        if (main.Contains('(') != main.Contains(')') || EntityNames.Tokens(main).Length == 0 || aliases.Concat(subsidiaries).Any(n => EntityNames.Tokens(n).Length == 0))
        {
            problem = "a name is empty or its brackets do not close";
            return false;
        }
        names = (main, aliases, subsidiaries);
        return true;
    }

    // "A; B; and C", "A, B, and C" (a comma before a legal suffix stays with its name: "X Co., Ltd."), "A and B" when two are expected.
    private static List<string> SplitNames(string list, int? expected)
    {
        static string Clean(string name) => AndPrefix().Replace(name.Trim().TrimEnd(',', ';').Trim(), "");
        var parts = list.Contains(';', StringComparison.Ordinal)
            ? list.Split(';').Select(Clean).Where(p => p.Length > 0).ToList()
            : JoinLegalSuffixes(list.Split(", ")).Select(Clean).Where(p => p.Length > 0).ToList();
        if (expected is { } count && parts.Count < count && parts.Count == 1 && count == 2)
        {
            var halves = parts[0].Split(" and ");
            if (halves.Length == 2)
            {
                parts = [.. halves.Select(Clean)];
            }
        }
        return parts;
    }

    private static IEnumerable<string> JoinLegalSuffixes(string[] parts)
    {
        var joined = new List<string>();
        foreach (var part in parts)
        {
            if (joined.Count > 0 && EntityNames.Tokens(part).Length == 0 && part.Trim().Length > 0)
            {
                joined[^1] += ", " + part;
            }
            else
            {
                joined.Add(part);
            }
        }
        return joined;
    }

    // The section the heading just before a table names (walking out of wrappers); its own words if it names none.
    private static string? SectionBefore(IElement table)
    {
        for (IElement? at = table; at is not null && at.LocalName != "body"; at = at.ParentElement)
        {
            for (var before = at.PreviousElementSibling; before is not null; before = before.PreviousElementSibling)
            {
                if (before.LocalName == "table" || before.QuerySelector("table") is not null)
                {
                    return null;
                }
                if (Words(before.TextContent) is { Length: > 0 } text)
                {
                    var sections = Section().Matches(text);
                    return sections.Count > 0 ? $"section 2(d)(2)(B)({sections[^1].Groups[1].Value.ToLowerInvariant()})" : text.Length > 200 ? text[..200] : text;
                }
            }
        }
        return null;
    }

    private static string Words(string text) => Whitespace().Replace(text.Replace('\u00a0', ' '), " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"2\(d\)\(2\)\(B\)\(([ivx]+)\)", RegexOptions.IgnoreCase)]
    private static partial Regex Section();

    [GeneratedRegex(@"Last\s+Updated:?\s*(\d{1,2}/\d{1,2}/\d{4})", RegexOptions.IgnoreCase)]
    private static partial Regex LastUpdated();

    [GeneratedRegex(@"^(?<main>.+?)\s*\((?<short>[A-Z][A-Z0-9&]{1,9})\)$")]
    private static partial Regex Acronym();

    [GeneratedRegex(@"\s+and\s+its\s+", RegexOptions.IgnoreCase)]
    private static partial Regex AndIts();

    [GeneratedRegex(@"^and\s+", RegexOptions.IgnoreCase)]
    private static partial Regex AndPrefix();

    // NAME (including two aliases: A; and B) REST — the list may hold one level of brackets of its own ("(Shanshan)").
    [GeneratedRegex(@"^(?<main>.+?)\s*\((?:(?:and|including)\s+(?<count>\w+)\s+alias(?:es)?\s*:|also known as|formerly known as|a\.k\.a\.|f\.k\.a\.)\s*(?<list>(?:[^()]|\([^()]*\))+)\)(?<rest>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex AliasClause();

    [GeneratedRegex(@"^(?<main>.+?)(?<rest>,?\s+and\s+(?:its\s+)?(?:[\w-]+\s+){0,3}?(?:subsidiar(?:y|ies)|subordinate)\b.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex SubsidiaryClause();

    [GeneratedRegex(@"^,?\s*and\s+its\s+(?:\w+\s+(?:[\w-]+\s+)*?[\w-]+-based\s+)?subsidiar(?:y|ies)(?:,?\s*which\s+include)?\s*:?\s+(?<list>.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex NamedSubsidiaries();

    [GeneratedRegex(@"^,?\s*and\s+(?:its\s+)?(?:subsidiaries|subordinate and affiliated entities)\.?$", RegexOptions.IgnoreCase)]
    private static partial Regex UnnamedSubsidiaries();
}
