using System.Text.Json;

namespace Traceability.Audits.Standards;

/// <summary>One canonical finding code and what it maps to.</summary>
/// <param name="Code">The code.</param>
/// <param name="Title">What it means.</param>
/// <param name="ZeroTolerance">Whether the issue is zero tolerance whatever the severity an auditor would give it.</param>
/// <param name="DefaultSeverity">The severity when the auditor gives none.</param>
/// <param name="IloIndicators">The ILO forced-labour indicators it is evidence of (ids of <see cref="FindingCodes.IloIndicators"/>).</param>
/// <param name="SchemeItems">Per item list (smeta, amfori-bsci, sa8000), the scheme's items it corresponds to.</param>
public sealed record FindingCode(string Code, string Title, bool ZeroTolerance, string DefaultSeverity, IReadOnlyList<string> IloIndicators,
    IReadOnlyDictionary<string, IReadOnlyList<string>> SchemeItems);

/// <summary>An ILO indicator of forced labour.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Name">Its name as the ILO writes it.</param>
public sealed record IloIndicator(string Id, string Name);

/// <summary>
/// The canonical finding code list, kept as data (<c>Standards/finding-codes.json</c>, embedded): the codes, their
/// ILO indicators and scheme items, and the reverse map from a scheme's item to the code it stands for.
/// </summary>
public sealed class FindingCodes
{
    /// <summary>Severities, gravest first.</summary>
    public static readonly IReadOnlyList<string> Severities = ["zero-tolerance", "critical", "major", "minor", "observation"];

    /// <summary>The item lists a code maps into.</summary>
    public static readonly IReadOnlyList<string> ItemLists = ["smeta", "amfori-bsci", "sa8000"];

    private readonly Dictionary<string, FindingCode> _byCode;
    private readonly Dictionary<(string List, string Item), List<string>> _byItem = [];

    private FindingCodes(IReadOnlyList<FindingCode> codes, IReadOnlyList<IloIndicator> indicators)
    {
        All = codes;
        IloIndicators = indicators;
        _byCode = codes.ToDictionary(c => c.Code, StringComparer.Ordinal);
        foreach (var code in codes)
        {
            foreach (var (list, items) in code.SchemeItems)
            {
                foreach (var item in items)
                {
                    if (!_byItem.TryGetValue((list, item), out var mapped))
                    {
                        _byItem[(list, item)] = mapped = [];
                    }
                    mapped.Add(code.Code);
                }
            }
        }
    }

    /// <summary>Every code, in the list's order.</summary>
    public IReadOnlyList<FindingCode> All { get; }

    /// <summary>The ILO's 11 indicators.</summary>
    public IReadOnlyList<IloIndicator> IloIndicators { get; }

    /// <summary>The code, or null when it is not on the list.</summary>
    public FindingCode? Find(string? code) => code is null ? null : _byCode.GetValueOrDefault(code.Trim().ToUpperInvariant());

    /// <summary>The codes a scheme's item stands for: none (unknown), one (mapped), or several (the auditor must choose).</summary>
    public IReadOnlyList<string> CodesFor(string itemList, string item) =>
        _byItem.GetValueOrDefault((itemList, item.Trim().ToUpperInvariant())) ?? _byItem.GetValueOrDefault((itemList, item.Trim())) ?? (IReadOnlyList<string>)[];

    /// <summary>The list shipped with the service.</summary>
    public static FindingCodes LoadShipped()
    {
        using var stream = typeof(FindingCodes).Assembly.GetManifestResourceStream("Audits/finding-codes.json")
            ?? throw new InvalidOperationException("The finding code list is not embedded.");
        return Parse(stream);
    }

    /// <summary>Reads a code list and checks it: known indicators, severities and unique codes.</summary>
    public static FindingCodes Parse(Stream json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var indicators = root.GetProperty("iloIndicators").EnumerateArray()
            .Select(i => new IloIndicator(i.GetProperty("id").GetString()!, i.GetProperty("name").GetString()!)).ToList();
        var known = indicators.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        var codes = new List<FindingCode>();
        foreach (var entry in root.GetProperty("codes").EnumerateArray())
        {
            var code = entry.GetProperty("code").GetString()!;
            var ilo = entry.GetProperty("ilo").EnumerateArray().Select(i => i.GetString()!).ToList();
            var severity = entry.GetProperty("defaultSeverity").GetString()!;
            if (ilo.FirstOrDefault(i => !known.Contains(i)) is { } unknown)
            {
                throw new InvalidDataException($"{code} maps to {unknown}, which is not one of the ILO's indicators.");
            }
            if (!Severities.Contains(severity))
            {
                throw new InvalidDataException($"{code} has the default severity {severity}, which is not one of {string.Join(", ", Severities)}.");
            }
            var items = ItemLists.ToDictionary(list => list,
                list => (IReadOnlyList<string>)(entry.TryGetProperty(list, out var listed) ? listed.EnumerateArray().Select(i => i.GetString()!).ToList() : []));
            codes.Add(new FindingCode(code, entry.GetProperty("title").GetString()!, entry.GetProperty("zeroTolerance").GetBoolean(), severity, ilo, items));
        }
        if (codes.GroupBy(c => c.Code).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new InvalidDataException($"{twice.Key} is on the list twice.");
        }
        return new FindingCodes(codes, indicators);
    }
}
