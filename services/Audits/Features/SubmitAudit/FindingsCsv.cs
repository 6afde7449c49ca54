using System.Globalization;
using System.Text;
using CsvHelper;
using Traceability.Audits.Standards;
using Traceability.Hosting;

namespace Traceability.Audits.Features.SubmitAudit;

/// <summary>
/// Findings as auditors keep them in spreadsheets, one row each, read with CsvHelper: a header row, then
/// <c>Code</c> (or <c>Scheme item</c>), <c>Severity</c>, <c>Description</c>, <c>Corrective action</c>, <c>Due date</c>
/// (yyyy-mm-dd), <c>Evidence SHA-256</c>, <c>Evidence type</c>, <c>Evidence description</c>, and an optional <c>Ref</c>
/// of the auditor's own. Headers match whatever their case and spacing; the separator may be a comma, a
/// semicolon or a tab (as spreadsheets export). The file must be UTF-8. Every bad row is reported, by the
/// row number a spreadsheet shows (the header is row 1), and nothing is stored unless every row is good.
/// </summary>
public static class FindingsCsv
{
    /// <summary>The largest file read: thousands of findings fit; a 10 MB file is refused before it is read.</summary>
    public const long MaxBytes = 2 * 1024 * 1024;

    /// <summary>The media type.</summary>
    public const string MediaType = "text/csv";

    private static readonly (string Key, string Header)[] Columns =
    [
        ("ref", "Ref"), ("code", "Code"), ("schemeitem", "Scheme item"), ("severity", "Severity"), ("description", "Description"),
        ("correctiveaction", "Corrective action"), ("duedate", "Due date"), ("evidencesha256", "Evidence SHA-256"), ("evidencetype", "Evidence type"),
        ("evidencedescription", "Evidence description"),
    ];

    // Where a finding's checks name a field, the column a spreadsheet user sees instead.
    private static readonly (string Path, string Header)[] FieldHeaders =
    [
        (".evidence[0].sha256", "Evidence SHA-256"), (".evidence[0].mediaType", "Evidence type"), (".evidence[0].description", "Evidence description"),
        (".correctiveAction.description", "Corrective action"), (".correctiveAction.dueDate", "Due date"), (".correctiveAction", "Corrective action"),
        (".code", "Code"), (".schemeItem", "Scheme item"), (".severity", "Severity"), (".description", "Description"),
    ];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The findings of a file, or the errors of every bad row (keyed <c>rows[N].Column</c>) and of the file as a whole (<c>$</c>).</summary>
    public static (IReadOnlyList<ValidFinding> Findings, ValidationErrors Errors) Read(byte[] file, Scheme scheme, DateOnly auditEnd, FindingCodes codes)
    {
        var errors = new ValidationErrors();
        var findings = new List<ValidFinding>();
        if (Text(file, errors) is not { } text)
        {
            return (findings, errors);
        }
        try
        {
            // Risk's UFLPA list reads its file as strictly but shows values in its errors (public names, an operator's file):
            // an auditor's findings may speak of workers, so their values stay out of exception messages and logs here.
            using var csv = CsvReader.FromText(text, new CsvReaderOptions
            {
                HasHeader = true,
                TrimWhitespace = true,
                TrackLineNumbers = true,
                MalformedData = CsvMalformedDataHandling.Throw,
                FieldCountMismatch = CsvFieldCountHandling.Throw,
                IncludeValuesInExceptions = false,
                NormalizeHeaderName = name => string.Concat(name.Where(char.IsLetterOrDigit)).ToLowerInvariant(),
            });
            csv.ReadHeader();
            var index = Headers(csv, errors);
            if (!errors.IsEmpty)
            {
                return (findings, errors);
            }
            while (csv.Read())
            {
                if (csv.RowNumber > AuditRequest.MaxFindings)
                {
                    return (findings, errors.Add("$", $"At most {AuditRequest.MaxFindings} findings in one file."));
                }
                string? Cell(string key) => index.TryGetValue(key, out var at) && !csv.IsEmpty(at) ? csv.GetString(at) : null;
                var row = $"rows[{csv.LineNumber.ToString(CultureInfo.InvariantCulture)}]";
                if (ReadRow(Cell, row, scheme, auditEnd, codes, errors) is { } finding)
                {
                    findings.Add(finding);
                }
            }
            if (findings.Count == 0 && errors.IsEmpty)
            {
                errors.Add("$", "The file has a header but no findings.");
            }
        }
        catch (CsvFormatException exception)
        {
            errors.Add(exception.LineNumber > 0 ? $"rows[{exception.LineNumber.ToString(CultureInfo.InvariantCulture)}]" : "$",
                $"The file is not well-formed CSV here ({exception.Message}). Quote a field that holds the separator, a quote or a line break.");
        }
        return (findings, errors);
    }

    private static string? Text(byte[] file, ValidationErrors errors)
    {
        if (file.Length == 0)
        {
            errors.Add("$", "The file is empty: a header row and one row per finding.");
            return null;
        }
        if (file is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
        {
            errors.Add("$", "The file is UTF-16: save it as CSV UTF-8.");
            return null;
        }
        try
        {
            var text = StrictUtf8.GetString(file);
            return text.StartsWith('\uFEFF') ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            errors.Add("$", "The file is not UTF-8 (Windows-1252 or Latin-1 perhaps): save it as CSV UTF-8.");
            return null;
        }
    }

    private static Dictionary<string, int> Headers(CsvReader csv, ValidationErrors errors)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var headers = csv.Headers;
        for (var i = 0; i < headers.Count; i++)
        {
            var key = string.Concat(headers[i].Where(char.IsLetterOrDigit)).ToLowerInvariant();
            if (Columns.All(c => c.Key != key))
            {
                errors.Add("$", $"Column {i + 1} is not one this upload reads. The columns are: {string.Join(", ", Columns.Select(c => c.Header))}.");
            }
            else if (!index.TryAdd(key, i))
            {
                errors.Add("$", $"Column {i + 1} repeats another column's header.");
            }
        }
        if (errors.IsEmpty && !index.ContainsKey("code") && !index.ContainsKey("schemeitem"))
        {
            errors.Add("$", "The header names a Code or a Scheme item column (or both).");
        }
        return index;
    }

    private static ValidFinding? ReadRow(Func<string, string?> cell, string row, Scheme scheme, DateOnly auditEnd, FindingCodes codes, ValidationErrors errors)
    {
        var rowErrors = new ValidationErrors();
        DateOnly? due = null;
        if (cell("duedate") is { } dueText)
        {
            if (DateOnly.TryParseExact(dueText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
            {
                due = parsed;
            }
            else
            {
                rowErrors.Add($"{row}.correctiveAction.dueDate", "The due date is yyyy-mm-dd, e.g. 2026-12-31.");
            }
        }
        var sha = cell("evidencesha256");
        var request = new FindingRequest(cell("code"), cell("schemeitem"), cell("severity"), cell("description"),
            sha is null && cell("evidencetype") is null ? [] : [new EvidenceRequest(sha, cell("evidencetype"), cell("evidencedescription"))],
            cell("correctiveaction") is null && cell("duedate") is null ? null : new CorrectiveActionRequest(cell("correctiveaction"), due));
        var finding = ValidFinding.From(request, scheme, codes, auditEnd, row, rowErrors);
        foreach (var (field, messages) in rowErrors.ToDictionary())
        {
            var suffix = field[row.Length..];
            var header = FieldHeaders.FirstOrDefault(h => h.Path == suffix).Header ?? suffix.TrimStart('.');
            foreach (var message in messages.Distinct())
            {
                errors.Add($"{row}.{header}", message);
            }
        }
        return rowErrors.IsEmpty ? finding : null;
    }
}
