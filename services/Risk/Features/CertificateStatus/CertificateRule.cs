using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.CertificateStatus;

/// <summary>
/// <c>certificate-status</c>: a shipment is flagged when a certificate it claims was suspended, withdrawn or expired
/// on its ship date, whether the shipment was recorded before the change or after it.
/// </summary>
public sealed class CertificateRule(RuleCatalog rules)
{
    /// <summary>The rule's id.</summary>
    public const string RuleId = "certificate-status";

    /// <summary>The statuses under which goods may not claim the certificate.</summary>
    public static readonly IReadOnlyList<string> Invalid = ["suspended", "withdrawn", "expired"];

    /// <summary>The rule's settings (version, Enabled, severities).</summary>
    public RuleSettings Settings => rules[RuleId];

    /// <summary>The severity of a flag for a claim made while the certificate had <paramref name="status"/>.</summary>
    public string SeverityFor(string status) => Settings.Text(status switch
    {
        "expired" => "ExpiredSeverity",
        "withdrawn" => "WithdrawnSeverity",
        _ => "SuspendedSeverity",
    });

    /// <summary>What an auditor reads.</summary>
    public static string Explanation(string scheme, string number, string status) =>
        $"The shipment claims {scheme} certificate {number}, which was {status} on the shipment's ship date.";

    /// <summary>The evidence id of one entry of a certificate's history (the scheme as Audits names it).</summary>
    public static string Evidence(string scheme, string number, int sequence) => $"certificate:{scheme}:{number}#{sequence}";

    /// <summary>
    /// A scheme named in any form ("Rainforest Alliance", "rainforest-alliance") as one key: lower-case letters and
    /// digits, as Audits compares scheme names. Shipments' free-text claims meet Audits' certificates here.
    /// </summary>
    public static string SchemeKey(string scheme) => string.Concat(scheme.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant));
}
