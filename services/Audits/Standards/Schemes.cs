namespace Traceability.Audits.Standards;

/// <summary>
/// A standard audits are done against and certificates issued under. <see cref="Id"/> is what the API
/// and the events carry (also in the public verification URL); requests may name a scheme by its id or
/// its name in any case and spacing ("Rainforest Alliance", "rainforest-alliance").
/// </summary>
/// <param name="Id">The scheme's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Certifies">Whether it issues certificates (amfori BSCI and SMETA are social audits, not certifications).</param>
/// <param name="Results">The overall results an audit under it may state; empty: it has none (SMETA counts non-compliances instead).</param>
/// <param name="ItemList">Whose items an auditor may send instead of a code (a key of the code list), or null.</param>
public sealed record Scheme(string Id, string Name, bool Certifies, IReadOnlyList<string> Results, string? ItemList);

/// <summary>The schemes the platform knows.</summary>
public static class Schemes
{
    private static readonly string[] PassFail = ["pass", "fail"];

    /// <summary>Every scheme.</summary>
    public static readonly IReadOnlyList<Scheme> All =
    [
        new("sa8000", "SA8000", true, PassFail, "sa8000"),
        // amfori BSCI rates an audit A (best) to E.
        new("amfori-bsci", "amfori BSCI", false, ["A", "B", "C", "D", "E"], "amfori-bsci"),
        // SMETA has no overall grade: its report counts non-compliances, which the platform counts from the findings.
        new("smeta", "SMETA", false, [], "smeta"),
        new("fairtrade", "Fairtrade", true, PassFail, null),
        new("rainforest-alliance", "Rainforest Alliance", true, PassFail, null),
        new("rspo", "RSPO", true, PassFail, null),
        new("bonsucro", "Bonsucro", true, PassFail, null),
        new("fsc", "FSC", true, PassFail, null),
    ];

    private static readonly Dictionary<string, Scheme> ByKey = All
        .SelectMany(s => new[] { (Key(s.Id), s), (Key(s.Name), s) })
        .DistinctBy(p => p.Item1)
        .ToDictionary(p => p.Item1, p => p.s, StringComparer.Ordinal);

    /// <summary>The scheme a request names, or null.</summary>
    public static Scheme? Find(string? name) => name is null ? null : ByKey.GetValueOrDefault(Key(name));

    /// <summary>For error messages: every scheme's id.</summary>
    public static string Listed => string.Join(", ", All.Select(s => s.Id));

    /// <summary>
    /// Lower-case letters and digits only: how a scheme named in any form ("Rainforest Alliance", "RAINFOREST-ALLIANCE")
    /// is compared. Risk compares shipments' free-text claims with certificates the same way.
    /// </summary>
    public static string Key(string name) => string.Concat(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant));
}
