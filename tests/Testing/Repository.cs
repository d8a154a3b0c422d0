namespace Testing;

/// <summary>Files of the repository the tests read (deploy/ rules and dashboards, eng/ scripts).</summary>
public static class Repository
{
    /// <summary>The folder holding Aspire.sln.</summary>
    public static string Root => DependencyBinaries.RepositoryRoot();
}
