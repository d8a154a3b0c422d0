using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Testing;

namespace ChatService.Tests.Infrastructure;

/// <summary>Small typed helpers over the ChatService HTTP API for one user.</summary>
public sealed class ChatApiClient(HttpClient http) : IDisposable
{
    public HttpClient Http { get; } = http;

    public async Task<HttpResponseMessage> UploadAsync(string fileName, byte[] content, string? title = null,
        CancellationToken cancellationToken = default)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        if (title is not null)
        {
            form.Add(new StringContent(title), "title");
        }

        return await Http.PostAsync("/api/documents", form, cancellationToken);
    }

    public async Task<Guid> UploadTextAsync(string fileName, string text, CancellationToken cancellationToken = default)
    {
        using var response = await UploadAsync(fileName, Encoding.UTF8.GetBytes(text), cancellationToken: cancellationToken);
        Assert.True(response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK,
            await response.Content.ReadAsStringAsync(cancellationToken));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return body.GetProperty("id").GetGuid();
    }

    public async Task<JsonElement> GetDocumentAsync(Guid id, CancellationToken cancellationToken = default) =>
        await Http.GetFromJsonAsync<JsonElement>($"/api/documents/{id}", cancellationToken);

    public async Task<JsonElement> WaitForDocumentStatusAsync(Guid id, string status, TimeSpan timeout) =>
        await Eventually.UntilAsync(
            async ct => await GetDocumentAsync(id, ct),
            d => d.GetProperty("status").GetString() == status,
            timeout,
            $"document {id} should reach status {status}");

    public async Task<HttpResponseMessage> ChatAsync(object body, CancellationToken cancellationToken = default) =>
        await Http.PostAsJsonAsync("/api/chat", body, cancellationToken);

    public async Task<JsonElement> ChatJsonAsync(object body, CancellationToken cancellationToken = default)
    {
        using var response = await ChatAsync(body, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public void Dispose() => Http.Dispose();
}
