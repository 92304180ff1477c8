@echo off
rem Shell completion for `oc etcd-replace <TAB>` on Windows (kubectl 1.26+, oc): oc finds this file on PATH through
rem PATHEXT; the plugin answers from its own command definitions.
kubectl-etcd_replace.exe __complete %*
