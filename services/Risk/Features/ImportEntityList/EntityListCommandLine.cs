using System.Globalization;
using System.Text;
using System.Text.Json;
using Traceability.Risk.Rules.Uflpa;

namespace Traceability.Risk.Features.ImportEntityList;

/// <summary>
/// The operator's command to bring the UFLPA Entity List up to date from DHS's page (no database, no bus):
/// <code>
/// dotnet Traceability.Risk.dll uflpa-entity-list import &lt;saved-page.html&gt; [--as-of yyyy-mm-dd] [--list &lt;current.csv&gt;] [--out &lt;file.csv&gt;] [--confirm-removals]
/// </code>
/// The current list is <c>--list</c>, else the file <c>Risk:UflpaEntityListFile</c> names, else the shipped one; the
/// result goes to <c>--out</c>, else back to that file. It prints what changed as JSON and writes nothing when it refuses.
/// </summary>
internal static class EntityListCommandLine
{
    private const string Usage = "usage: uflpa-entity-list import <saved-page.html> [--as-of yyyy-mm-dd] [--list <current.csv>] [--out <file.csv>] [--confirm-removals]";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static bool Handles(string[] args) => args.Length > 0 && args[0] == "uflpa-entity-list";

    public static async Task<int> RunAsync(IConfiguration configuration, string[] args, TextWriter output, TextWriter error)
    {
        try
        {
            var changes = await ImportAsync(configuration, args);
            await output.WriteLineAsync(JsonSerializer.Serialize(changes, Json));
            return 0;
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or IOException)
        {
            await error.WriteLineAsync(exception.Message);
            return 1;
        }
    }

    private static async Task<object> ImportAsync(IConfiguration configuration, string[] args)
    {
        if (args is not [_, "import", var page, .. var options])
        {
            throw new ArgumentException(Usage);
        }
        // The configured file may not exist yet (the first import writes it): the shipped list is the start then.
        string? asOfText = null, outPath = null;
        var listPath = configuration[UflpaEntityList.FileKey] is { Length: > 0 } configured ? configured : null;
        var listMayBeNew = listPath is not null;
        var confirmRemovals = false;
        for (var i = 0; i < options.Length; i++)
        {
            string Value() => i + 1 < options.Length ? options[++i] : throw new ArgumentException($"{options[i]} needs a value. {Usage}");
            switch (options[i])
            {
                case "--as-of": asOfText = Value(); break;
                case "--list": listPath = Value(); listMayBeNew = false; break;
                case "--out": outPath = Value(); break;
                case "--confirm-removals": confirmRemovals = true; break;
                default: throw new ArgumentException($"Unknown option '{options[i]}'. {Usage}");
            }
        }
        outPath ??= listPath ?? throw new ArgumentException($"Name the file to write with --out (the shipped list is inside the service). {Usage}");
        DateOnly? givenAsOf = asOfText is null ? null
            : DateOnly.TryParseExact(asOfText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var given)
                ? given : throw new ArgumentException($"--as-of '{asOfText}' is not a date (yyyy-mm-dd).");
        var official = DhsEntityListPage.Read(await File.ReadAllTextAsync(page, Encoding.UTF8));
        var asOf = givenAsOf ?? official.LastUpdated
            ?? throw new ArgumentException("The page does not say when it was last updated: give the day it was saved with --as-of yyyy-mm-dd.");
        var current = listPath is null || (listMayBeNew && !File.Exists(listPath)) ? UflpaEntityList.LoadShipped() : ReadList(listPath);
        var (list, changes) = EntityListImport.Merge(current, official, asOf, confirmRemovals);
        // Written beside the target and moved over it: a reader (Risk starting) never sees half a file.
        var temporary = outPath + ".importing";
        await using (var writer = new StreamWriter(temporary, false, new UTF8Encoding(false)))
        {
            list.Write(writer);
        }
        File.Move(temporary, outPath, overwrite: true);
        return new { asOf, written = outPath, entities = list.Entities.Count(e => e.ListedOn(asOf)), changes };
    }

    private static UflpaEntityList ReadList(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        return UflpaEntityList.Parse(reader);
    }
}
