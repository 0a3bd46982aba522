package controllers

import (
	"context"
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
)

// spec.exportTo writes the SIDs an app needs (a Flex plugin, a sending service) to a
// ConfigMap it can envFrom. The operator owns that ConfigMap (a controller owner
// reference: it goes when the object goes) and writes it with server-side apply. It
// never writes to a ConfigMap it does not own, and watches only the ConfigMaps it writes:
// they carry ManagedByLabel, and the cache holds no other (ExportCache).

const (
	// ManagedByLabel is the label that marks the ConfigMaps the operator writes.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	// ManagedBy is its value.
	ManagedBy = "twilio-operator"
	// FieldManager is the operator's server-side apply field manager.
	FieldManager = "twilio-operator"
)

// Export keys: the names Twilio's own tools and samples use for the same values.
const (
	exportAccountSID    = "TWILIO_ACCOUNT_SID"
	exportServiceSID    = "TWILIO_MESSAGING_SERVICE_SID"
	exportBrandSID      = "TWILIO_BRAND_SID"
	exportBrandTCRID    = "TWILIO_BRAND_TCR_ID"
	exportCampaignXSID  = "TWILIO_CAMPAIGN_%d_SID"
	exportCampaignXID   = "TWILIO_CAMPAIGN_%d_ID"
	exportCampaignXServ = "TWILIO_CAMPAIGN_%d_MESSAGING_SERVICE_SID"
)

// ExportCache is the cache's configuration of ConfigMaps: only those the operator
// writes, so a cluster's other ConfigMaps cost it no memory. Both the operator's
// manager and the tests' use it.
func ExportCache() cache.ByObject {
	return cache.ByObject{Label: labels.SelectorFromSet(labels.Set{ManagedByLabel: ManagedBy})}
}

// exportOf is the name of the ConfigMap obj exports to and its data; "" when the spec
// asks for none, nil data while the object has no Twilio SID yet.
func exportOf(obj conditioned) (string, map[string]string) {
	switch o := obj.(type) {
	case *v1alpha1.MessagingService:
		if o.Spec.ExportTo == nil {
			return "", nil
		}
		return o.Spec.ExportTo.ConfigMapName, serviceExport(o)
	case *v1alpha1.A2PRegistration:
		if o.Spec.ExportTo == nil {
			return "", nil
		}
		return o.Spec.ExportTo.ConfigMapName, registrationExport(o)
	}
	return "", nil
}

func serviceExport(o *v1alpha1.MessagingService) map[string]string {
	if o.Status.SID == "" {
		return nil
	}
	return nonEmpty(map[string]string{exportAccountSID: o.Status.AccountSID, exportServiceSID: o.Status.SID})
}

// registrationExport has the brand's keys and, for the campaign of spec.campaigns[i],
// TWILIO_CAMPAIGN_<i>_SID, _ID and _MESSAGING_SERVICE_SID: the index is the entry's
// position in the spec, and a value Twilio has not given yet is left out.
func registrationExport(o *v1alpha1.A2PRegistration) map[string]string {
	if o.Status.Brand == nil || o.Status.Brand.SID == "" {
		return nil
	}
	data := map[string]string{exportAccountSID: o.Status.AccountSID, exportBrandSID: o.Status.Brand.SID,
		exportBrandTCRID: o.Status.Brand.TCRID}
	for i, c := range o.Spec.Campaigns {
		st, ok := campaignStatusFor(o, c)
		if !ok {
			continue
		}
		data[fmt.Sprintf(exportCampaignXSID, i)] = st.SID
		data[fmt.Sprintf(exportCampaignXID, i)] = st.CampaignID
		data[fmt.Sprintf(exportCampaignXServ, i)] = st.MessagingServiceSID
	}
	return nonEmpty(data)
}

// campaignStatusFor is the status of the spec's campaign c: the one on the same service
// (by reference or by SID), wherever the status lists it.
func campaignStatusFor(o *v1alpha1.A2PRegistration, c v1alpha1.CampaignSpec) (v1alpha1.CampaignStatus, bool) {
	for _, st := range o.Status.Campaigns {
		if (c.MessagingServiceRef != nil && st.MessagingService == c.MessagingServiceRef.Name) ||
			(c.MessagingServiceRef == nil && c.MessagingServiceSID != "" && st.MessagingServiceSID == c.MessagingServiceSID) {
			return st, true
		}
	}
	return v1alpha1.CampaignStatus{}, false
}

func nonEmpty(data map[string]string) map[string]string {
	maps.DeleteFunc(data, func(_, v string) bool { return v == "" })
	return data
}

// export writes obj's export ConfigMap when its data differs from what the cache holds,
// and deletes those obj wrote under another name before. A ConfigMap of that name that
// obj does not control is ExportConflict, and left as it is.
func (s *shared) export(ctx context.Context, obj conditioned) error {
	name, data := exportOf(obj)
	if err := s.pruneExports(ctx, obj, name); err != nil {
		return err
	}
	if name == "" || data == nil {
		return nil
	}
	key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: name}
	current := &corev1.ConfigMap{}
	err := s.Get(ctx, key, current)
	if apierrors.IsNotFound(err) {
		// Not in the cache, which holds only labelled ConfigMaps: there is none, or one
		// the operator did not write (or its own create the cache has not seen yet).
		err = s.direct.Get(ctx, key, current)
		if apierrors.IsNotFound(err) {
			return s.applyExport(ctx, obj, name, data, false)
		}
	}
	switch {
	case err != nil:
		return fmt.Errorf("cannot read ConfigMap %s: %w", name, err)
	case !metav1.IsControlledBy(current, obj):
		return exportConflict(name)
	case maps.Equal(current.Data, data) && current.Labels[ManagedByLabel] == ManagedBy:
		return nil
	}
	return s.applyExport(ctx, obj, name, data, true)
}

func exportConflict(name string) error {
	return stall(v1alpha1.ReasonExportConflict,
		"ConfigMap %s exists and is not this object's: the operator never overwrites it; delete it or set "+
			"another spec.exportTo.configMapName", name)
}

// applyExport writes the ConfigMap with server-side apply. ours says the ConfigMap is
// obj's: the apply then takes back any field someone else changed. A new one is applied
// without force, so a ConfigMap created by someone else since the check above has none of
// its values changed (a conflict); and if it turns out to have other writers, the apply
// is withdrawn (an empty apply gives up every field it set) and it is ExportConflict.
func (s *shared) applyExport(ctx context.Context, obj conditioned, name string, data map[string]string, ours bool) error {
	gvk, err := apiutil.GVKForObject(obj, s.Scheme())
	if err != nil {
		return err
	}
	// No blockOwnerDeletion: setting it needs the right to update the owner's
	// finalizers, and the ConfigMap is garbage-collected with its owner without it.
	owner := metav1ac.OwnerReference().WithAPIVersion(gvk.GroupVersion().String()).WithKind(gvk.Kind).
		WithName(obj.GetName()).WithUID(obj.GetUID()).WithController(true)
	cm := corev1ac.ConfigMap(name, obj.GetNamespace()).WithLabels(map[string]string{ManagedByLabel: ManagedBy}).
		WithOwnerReferences(owner).WithData(data)
	opts := []client.ApplyOption{client.FieldOwner(FieldManager)}
	if ours {
		opts = append(opts, client.ForceOwnership)
	}
	if err := s.Apply(ctx, cm, opts...); err != nil {
		if apierrors.IsConflict(err) && !ours {
			return exportConflict(name)
		}
		return fmt.Errorf("cannot write ConfigMap %s: %w", name, err)
	}
	if !ours && s.otherWriters(ctx, name, obj.GetNamespace()) {
		if err := s.Apply(ctx, corev1ac.ConfigMap(name, obj.GetNamespace()), client.FieldOwner(FieldManager)); err != nil {
			log.FromContext(ctx).Error(err, "Failed to withdraw from a ConfigMap created by someone else", "configMap", name)
		}
		return exportConflict(name)
	}
	log.FromContext(ctx).Info("Exported SIDs", "configMap", name, "keys", len(data))
	return nil
}

// otherWriters says whether fields of the ConfigMap just created are managed by another
// field manager than the operator's: someone created it between the check and the apply.
func (s *shared) otherWriters(ctx context.Context, name, namespace string) bool {
	cm := &corev1.ConfigMap{}
	if err := s.direct.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, cm); err != nil {
		return false // it is ours until shown otherwise: the next reconcile checks again
	}
	for _, f := range cm.ManagedFields {
		if f.Manager != FieldManager {
			return true
		}
	}
	return false
}

// pruneExports deletes the ConfigMaps obj controls other than keep (a renamed or removed
// spec.exportTo): only labelled ones, which the cache holds.
func (s *shared) pruneExports(ctx context.Context, obj conditioned, keep string) error {
	list := &corev1.ConfigMapList{}
	if err := s.List(ctx, list, client.InNamespace(obj.GetNamespace()), client.MatchingLabels{ManagedByLabel: ManagedBy}); err != nil {
		return err
	}
	for i := range list.Items {
		cm := &list.Items[i]
		if cm.Name == keep || !metav1.IsControlledBy(cm, obj) {
			continue
		}
		if err := s.Delete(ctx, cm, client.Preconditions{UID: &cm.UID}); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("cannot delete ConfigMap %s, no longer exported to: %w", cm.Name, err)
		}
		log.FromContext(ctx).Info("Deleted an export no longer asked for", "configMap", cm.Name)
	}
	return nil
}

// exportAfter runs the export after a sync and combines the two outcomes: the sync's
// comes first, but an export conflict, which needs the user, outranks waiting.
func (s *shared) exportAfter(ctx context.Context, obj conditioned, syncErr error) error {
	exportErr := s.export(ctx, obj)
	switch {
	case exportErr == nil:
		return syncErr
	case syncErr == nil:
		return exportErr
	case outcomeOf(syncErr).waiting && outcomeOf(exportErr).stalled:
		return exportErr
	}
	return syncErr
}

// exportBetweenSyncs keeps the export up to date in a reconcile that does not sync with
// Twilio (d is not due): the export is the cluster's side and costs Twilio nothing, so a
// deleted or edited export ConfigMap is written again at once. A conflict it reported
// that is gone makes the object due now, for a sync to report it gone.
func (s *shared) exportBetweenSyncs(ctx context.Context, obj conditioned, d syncDecision) (syncDecision, error) {
	if d.due {
		return d, nil
	}
	if err := s.export(ctx, obj); err != nil || !stalledFor(obj, v1alpha1.ReasonExportConflict) {
		return d, err
	}
	return syncDecision{due: true, inputsChanged: true}, nil
}

// stalledFor says whether obj is Stalled for reason.
func stalledFor(obj conditioned, reason string) bool {
	for _, c := range obj.GetConditions() {
		if c.Type == v1alpha1.ConditionStalled && c.Status == metav1.ConditionTrue && c.Reason == reason {
			return true
		}
	}
	return false
}
