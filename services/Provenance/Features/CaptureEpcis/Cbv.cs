namespace Traceability.Provenance.Features.CaptureEpcis;

/// <summary>The GS1 Core Business Vocabulary 2.0 words EPCIS 2.0 JSON may use bare (without a URI).</summary>
internal static class Cbv
{
    public static readonly IReadOnlySet<string> BizSteps = new HashSet<string>(StringComparer.Ordinal)
    {
        "accepting", "arriving", "assembling", "collecting", "commissioning", "consigning", "creating_class_instance",
        "cycle_counting", "decommissioning", "departing", "destroying", "disassembling", "dispensing", "encoding",
        "entering_exiting", "holding", "inspecting", "installing", "killing", "loading", "other", "packing", "picking",
        "receiving", "removing", "repackaging", "repairing", "replacing", "reserving", "retail_selling", "sampling",
        "sensor_reporting", "shipping", "staging_outbound", "stock_taking", "stocking", "storing", "transporting",
        "unloading", "unpacking", "void_shipping",
    };

    public static readonly IReadOnlySet<string> Dispositions = new HashSet<string>(StringComparer.Ordinal)
    {
        "active", "available", "completeness_verified", "completeness_inferred", "conformant", "container_closed",
        "container_open", "damaged", "destroyed", "dispensed", "disposed", "encoded", "expired", "in_progress",
        "in_transit", "inactive", "mismatch_instance", "mismatch_class", "mismatch_quantity", "needs_replacement",
        "no_pedigree_match", "non_conformant", "non_sellable_other", "partially_dispensed", "recalled", "reserved",
        "retail_sold", "returned", "sellable_accessible", "sellable_not_accessible", "stolen", "unavailable", "unknown",
    };

    /// <summary>The bare CBV word of a value given bare or as a CBV URI (urn:epcglobal:cbv:bizstep:x, https://ref.gs1.org/cbv/BizStep-x).</summary>
    public static string? BareWord(string value, string urnKind, string webKind)
    {
        var urn = $"urn:epcglobal:cbv:{urnKind}:";
        var web = $"https://ref.gs1.org/cbv/{webKind}-";
        return value.StartsWith(urn, StringComparison.Ordinal) ? value[urn.Length..]
            : value.StartsWith(web, StringComparison.Ordinal) ? value[web.Length..]
            : value.Contains(':', StringComparison.Ordinal) ? null
            : value;
    }
}
