namespace Traceability.IntegrationTests;

/// <summary>
/// Figures a test measured (counts, kills, redeliveries): written to the test output and to
/// .local/test-results/figures.txt, which the test command prints after the summary.
/// </summary>
internal static class Figures
{
    private static readonly Lock Gate = new();

    public static void Report(string line)
    {
        TestContext.Out.WriteLine(line);
        var path = Path.Combine(Infrastructure.RepositoryRoot, ".local", "test-results", "figures.txt");
        lock (Gate)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.AppendAllText(path, $"{DateTime.UtcNow:HH:mm:ss} {TestContext.CurrentContext.Test.ClassName?.Split('.').Last()}: {line}{Environment.NewLine}");
        }
    }
}
