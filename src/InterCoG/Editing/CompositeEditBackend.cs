namespace InterCoG.Editing;

/// <summary>Two backends as one: each operation goes to the first backend that supports it, so one run (and one request
/// of several steps) can mix the classic OpenCV edits with a generative server's ("make the dog red" then "replace the
/// bicycle with a horse").</summary>
public sealed class CompositeEditBackend(IEditBackend first, IEditBackend second) : IEditBackend
{
    /// <summary>Both names, e.g. "classic+a1111".</summary>
    public string Name => $"{first.Name}+{second.Name}";

    /// <summary>The backend that takes an operation first.</summary>
    public IEditBackend First => first;

    /// <summary>The backend that takes what <see cref="First"/> does not.</summary>
    public IEditBackend Second => second;

    /// <summary>True when either backend supports <paramref name="operation"/>.</summary>
    public bool Supports(string operation) => first.Supports(operation) || second.Supports(operation);

    /// <summary>The backend that runs <paramref name="operation"/>, or null when neither supports it.</summary>
    public IEditBackend? For(string operation) => first.Supports(operation) ? first : second.Supports(operation) ? second : null;

    /// <summary>Applies the operation with the first backend that supports it (the first one's refusal otherwise).</summary>
    public EditResult Apply(EditContext context) => (For(context.Operation.Name) ?? first).Apply(context);
}
