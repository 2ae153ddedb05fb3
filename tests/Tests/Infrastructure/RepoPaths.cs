namespace Tests.Infrastructure;

public static class RepoPaths
{
    /// <summary>The repository root: the first folder above the test binaries that holds Orleans.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Build configuration of the running tests (Debug or Release), so programs are taken from the same build.</summary>
    public static string Configuration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    /// <summary>
    /// The built entry assembly of a program project (ApiHost, Silo), from the same build as the tests; <c>SILO_DLL</c>
    /// (<c>APIHOST_DLL</c>) names another build instead, to measure an old and a new build alternately.
    /// </summary>
    public static string ProgramDll(string project) =>
        Environment.GetEnvironmentVariable($"{project.ToUpperInvariant()}_DLL") is { Length: > 0 } other
            ? other
            : Path.Combine(Root, project, "bin", Configuration, "net10.0", $"{project}.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Orleans.sln not found above " + AppContext.BaseDirectory);
    }
}
