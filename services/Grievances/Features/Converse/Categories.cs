namespace Traceability.Grievances.Features.Converse;

/// <summary>A grievance category as the worker picks it by number, and the ILO forced-labour indicators it points to.</summary>
public sealed record GrievanceCategory(int Number, string Id, IReadOnlyList<string> IloIndicators)
{
    /// <summary>True when the category is evidence of one of the ILO's eleven forced-labour indicators.</summary>
    public bool ForcedLabour => IloIndicators.Count > 0;
}

/// <summary>
/// The categories offered on the phone, in menu order. Indicators are the ILO's "Indicators of Forced
/// Labour" (2012). Child labour and safety are grievances in their own right but not forced-labour
/// indicators, so they raise no forced-labour flag by themselves.
/// </summary>
public static class Categories
{
    /// <summary>Every category, by menu number 1-9.</summary>
    public static readonly IReadOnlyList<GrievanceCategory> All =
    [
        new(1, "wages-withheld", ["withholding-of-wages"]),
        new(2, "documents-retained", ["retention-of-identity-documents"]),
        new(3, "threats-violence", ["physical-and-sexual-violence", "intimidation-and-threats"]),
        new(4, "debt-recruitment-fees", ["debt-bondage", "deception"]),
        new(5, "forced-overtime", ["excessive-overtime"]),
        new(6, "locked-in", ["restriction-of-movement", "isolation"]),
        new(7, "child-labour", []),
        new(8, "safety", []),
        new(9, "other", []),
    ];

    /// <summary>The category with this id, or null.</summary>
    public static GrievanceCategory? Find(string id) => All.FirstOrDefault(c => c.Id == id);
}
