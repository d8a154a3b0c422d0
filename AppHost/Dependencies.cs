namespace AppHost;

/// <summary>
/// What the services reference, whichever mode provides it. <c>*Ready</c> is what a service waits for: the database
/// resource in containers mode, the PostgreSQL executable (healthy only once the databases exist) in local mode.
/// </summary>
internal sealed record Dependencies(
    IResourceBuilder<IResourceWithConnectionString> ChatDb,
    IResourceBuilder<IResourceWithConnectionString> EvalDb,
    IResourceBuilder<IResourceWithConnectionString> DistDb,
    IResourceBuilder<IResource> ChatDbReady,
    IResourceBuilder<IResource> EvalDbReady,
    IResourceBuilder<IResource> DistDbReady,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResource> RedisReady,
    EndpointReference Chroma,
    IResourceBuilder<IResource> ChromaReady)
{
    public static readonly string[] DatabaseNames = ["chatdb", "evaldb", "distdb"];

    /// <summary>The Chroma server version both modes run (image tag; the npm package in eng/chroma pins the same server).</summary>
    public const string ChromaImageTag = "1.0.15";
}
