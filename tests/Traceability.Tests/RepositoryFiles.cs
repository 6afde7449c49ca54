namespace Traceability.Tests;

/// <summary>Finds files of the checkout the tests run from.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Traceability.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("The tests do not run inside the repository (no Traceability.sln above them).");
    }
}
