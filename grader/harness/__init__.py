"""The harness: the only code that runs inside the sandbox next to student code.

It imports nothing from the rest of ``grader`` (the sandbox gets a copy of this folder
alone) and only the standard library, torch and safetensors. The trusted side uses the
same runner on the reference, so both sides produce outputs the same way.
"""
