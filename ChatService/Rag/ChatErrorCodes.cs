namespace ChatService.Rag;

/// <summary>ChatService's own stable problem codes (the shared ones are in <c>ServiceDefaults.Problems.ErrorCodes</c>).</summary>
public static class ChatErrorCodes
{
    public const string SessionNotFound = "SESSION_NOT_FOUND";
    public const string DocumentNotFound = "DOCUMENT_NOT_FOUND";
    public const string TaskNotFound = "TASK_NOT_FOUND";
    public const string EmptyMessage = "EMPTY_MESSAGE";
    public const string MessageTooLong = "MESSAGE_TOO_LONG";
    public const string TopKOutOfRange = "TOPK_OUT_OF_RANGE";
    public const string UnsupportedFileType = "UNSUPPORTED_FILE_TYPE";

    /// <summary>The file's bytes are not what its name claims (a .pdf without the PDF signature, a text file that is not UTF-8 or has
    /// NUL).</summary>
    public const string ContentMismatch = "CONTENT_MISMATCH";
    public const string FileTooLarge = "FILE_TOO_LARGE";
    public const string EmptyFile = "EMPTY_FILE";
    public const string TaskAlreadyFinished = "TASK_ALREADY_FINISHED";
}
