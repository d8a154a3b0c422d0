namespace AppHost;

/// <summary>Containers mode: PostgreSQL with pgAdmin, Redis with Redis Insight, Chroma; data volumes.</summary>
internal static class ContainerDependencies
{
    public static Dependencies Add(IDistributedApplicationBuilder builder)
    {
        var postgres = builder.AddPostgres("postgres")
            .WithDataVolume()
            .WithPgAdmin();
        var chatDb = postgres.AddDatabase("chatdb");
        var evalDb = postgres.AddDatabase("evaldb");
        var distDb = postgres.AddDatabase("distdb");

#pragma warning disable ASPIRECERTIFICATES001 // experimental API; see the comment on WithoutHttpsCertificate
        var redis = builder.AddRedis("redis")
            .WithDataVolume()
            .WithRedisInsight()
            // why: in run mode Aspire otherwise serves Redis over TLS with the ASP.NET Core development certificate
            // (ssl=true in the connection string), and StackExchange.Redis then refuses the connection wherever that
            // certificate is not trusted (microsoft/aspire#13696, #14305). Plain TCP on the local container network.
            .WithoutHttpsCertificate();
#pragma warning restore ASPIRECERTIFICATES001

        // Chroma 1.x images run `chroma run /config.yaml`, whose persist_path is /data.
        var chroma = builder.AddContainer("chroma", "chromadb/chroma", Dependencies.ChromaImageTag)
            .WithImageRegistry("docker.io")
            .WithHttpEndpoint(targetPort: 8000, name: "http")
            .WithHttpHealthCheck("/api/v2/heartbeat", endpointName: "http");
        chroma = chroma.WithVolume(VolumeNameGenerator.Generate(chroma, "data"), "/data");

        return new Dependencies(chatDb, evalDb, distDb, chatDb, evalDb, distDb, redis, redis, chroma.GetEndpoint("http"), chroma);
    }
}
